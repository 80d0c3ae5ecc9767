import Foundation
import RelanceCore
import RelanceStore
import RelanceTestKit
import Testing

/// Issue #12: `import --holidays` stores days off and re-plans what falls on them, in
/// one transaction.
@Suite struct HolidayStoreTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    /// Thursday 12 Nov 2026, 10:00 in Paris.
    let sent = instant("2026-11-12T09:00:00Z")

    func rules(_ days: Set<LocalDate>) -> TimingRules {
        TimingRules(userZone: paris, calendar: BusinessCalendar(holidays: days))
    }

    @Test func importedHolidaysAreStoredOnceAndAFollowUpOnOneMovesToTheNextBusinessDay() throws {
        let db = try AppDatabase.inMemory()
        let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace"), now: sent)
        let (_, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                               policy: .standard, rules: rules([]))
        // Thu 12 Nov + 7 business days = Mon 23 Nov, 09:30 Paris.
        #expect(first?.fireAt == instant("2026-11-23T08:30:00Z"))

        let holiday = ImportedHoliday(date: LocalDate("2026-11-23")!, name: "Company day", source: "h.ics")
        let (added, changes) = try db.importHolidays([holiday], rules: rules, now: sent)
        #expect(added == [holiday] && changes.scheduled.count == 1)
        // One business day later: Tuesday 24 Nov, 09:30.
        #expect(try db.upcoming(limit: 1).first?.fireAt == instant("2026-11-24T08:30:00Z"))
        #expect(try db.holidays() == [holiday])

        // The same day again is known: nothing added, nothing moved.
        let again = try db.importHolidays([ImportedHoliday(date: holiday.date, name: "Other", source: "b.ics")], rules: rules, now: sent)
        #expect(again.added.isEmpty && again.changes.scheduled.isEmpty)
        #expect(try db.holidays().map(\.name) == ["Company day"])
    }
}
