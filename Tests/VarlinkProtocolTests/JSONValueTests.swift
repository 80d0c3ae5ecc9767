import Foundation
import Testing
import VarlinkProtocol

@Suite struct JSONValueTests {
    struct Parameters: Decodable { var id: Int64; var ids: [Int64]? }

    @Test(arguments: [("{\"id\":1.5}", "id"), ("{\"id\":1e30}", "id"), ("{\"id\":1,\"ids\":[2,2.5]}", "ids[1]")])
    func aNumberThatIsNotAnIntegerIsNamed(_ text: String, _ parameter: String) throws {
        let value = try JSONCoding.decoder.decode(JSONValue.self, from: Data(text.utf8))
        #expect {
            _ = try value.decode(as: Parameters.self)
        } throws: { error in
            guard let error = error as? DecodingError else { return false }
            return VarlinkFraming.parameterName(error) == parameter
        }
    }

    @Test(arguments: ["2030-01-01T09:00:00.002Z", "2030-01-01T09:00:00.745Z", "2030-01-01T09:00:00.000Z", "2030-01-01T09:00:00.999Z"])
    func instantsRoundTripToTheMillisecond(_ text: String) throws {
        let date = try #require(JSONCoding.parseDate(text))
        #expect(JSONCoding.formatDate(date) == text)
    }

    @Test func instantsWithOrWithoutFractionsOrAnOffsetAreRead() throws {
        #expect(JSONCoding.parseDate("2030-01-01T09:00:00Z") == Date(timeIntervalSince1970: 1_893_488_400))
        #expect(JSONCoding.parseDate("2030-01-01T10:00:00+01:00") == Date(timeIntervalSince1970: 1_893_488_400))
        #expect(JSONCoding.parseDate("2030-01-01T09:00:00.500Z") == Date(timeIntervalSince1970: 1_893_488_400.5))
        #expect(JSONCoding.parseDate("2030-01-01T10:00:00.250+01:00") == Date(timeIntervalSince1970: 1_893_488_400.25))
    }

    @Test(arguments: ["tomorrow 9:30", "9:30", "", "2030", "203-01-01T09:00:00Z", "2030/01/01 09:00", "in 3 days"])
    func whatIsNoInstantIsNil(_ text: String) {
        #expect(JSONCoding.parseDate(text) == nil)
    }
}
