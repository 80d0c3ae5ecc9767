import Foundation
import RelanceCore
import RelanceTestKit
import Testing

@Suite struct ISODurationTests {
    @Test(arguments: ["P7D", "PT2S", "P1W", "P1DT2H30M", "P1Y2M", "PT0.5S", "PT4H"])
    func roundTripsCanonicalText(_ text: String) throws {
        #expect(try ISODuration(parsing: text).description == text)
    }

    @Test(arguments: ["", "7D", "P", "PT", "P1H", "PT1D", "P1.5D", "Pabc", "P-1D", "P1DT"])
    func rejectsWhatIsNotADuration(_ text: String) {
        #expect(throws: ISODuration.ParseError.self) { try ISODuration(parsing: text) }
    }

    @Test func daysKeepTheWallClockAcrossDST() throws {
        // 2026-03-29 is the spring-forward day in Europe/Paris.
        let paris = TimeZone(identifier: "Europe/Paris")!
        let sent = instant("2026-03-27T09:00:00Z")  // 10:00 CET
        let due = try ISODuration(parsing: "P7D").added(to: sent, in: paris)
        #expect(due == instant("2026-04-03T08:00:00Z"))  // 10:00 CEST
    }

    @Test func hoursAreElapsedTime() throws {
        let paris = TimeZone(identifier: "Europe/Paris")!
        let due = try ISODuration(parsing: "PT24H").added(to: instant("2026-03-28T12:00:00Z"), in: paris)
        #expect(due == instant("2026-03-29T12:00:00Z"))
    }

    @Test func subtractingUndoesAdding() throws {
        let zone = TimeZone(identifier: "America/Toronto")!
        let duration = try ISODuration(parsing: "P1DT2H")
        let start = instant("2026-11-01T03:00:00Z")
        #expect(duration.subtracted(from: duration.added(to: start, in: zone), in: zone) == start)
    }
}
