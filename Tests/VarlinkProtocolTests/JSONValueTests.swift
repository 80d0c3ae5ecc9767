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
}
