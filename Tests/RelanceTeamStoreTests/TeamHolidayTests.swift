import Dispatch
import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// The team's days off (`import --holidays` on a team node, v16) on a real PostgreSQL 15:
/// stored once, each day once, and announced to the other nodes, which re-read them.
@Suite(.serialized) struct TeamHolidayTests {
    let t0 = instant("2026-12-01T08:00:00Z")
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    func day(_ text: String) -> LocalDate { LocalDate(text)! }

    @Test func daysOffAreStoredOnceAndEveryOtherNodeHearsOfThem() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        b.observeReminders { _ in }  // starts b's listener
        let heard = DispatchSemaphore(value: 0)
        b.observeHolidays { heard.signal() }
        let planned = { (days: Set<LocalDate>) -> TimingRules in
            var rules = self.rules
            rules.calendar.holidays.formUnion(days)
            return rules
        }
        let christmas = ImportedHoliday(date: day("2026-12-25"), name: "Christmas", source: "fr.ics")
        let company = ImportedHoliday(date: day("2026-12-09"), name: "Company day", source: "fr.ics")
        #expect(try a.importHolidays([christmas, company], by: "lea", rules: planned, now: t0) == [christmas, company])
        #expect(heard.wait(timeout: .now() + 30) == .success)
        #expect(try b.holidays() == [company, christmas])
        // Again, with one more: only the new day is added (and announced).
        let newYear = ImportedHoliday(date: day("2027-01-01"), name: "New Year", source: "other.ics")
        #expect(try b.importHolidays([christmas, newYear], by: nil, rules: planned, now: t0) == [newYear])
        #expect(try server.psql("SELECT day, coalesce(imported_by, '-') FROM holiday ORDER BY day")
                == "2026-12-09|lea\n2026-12-25|lea\n2027-01-01|-\n")
        a.close(); b.close()
    }
}
