import Foundation
import GRDB
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

/// A calendar import's writes: one transaction, reminders planned and re-planned in it
/// (issue #12).
@Suite struct EventImportStoreTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    /// No delivery window and no "log the people you met" reminder: one reminder per
    /// occurrence, the day before.
    var rules: TimingRules {
        var rules = TimingRules(userZone: paris, eventLogPeople: false)
        rules.window.isEnabled = false
        return rules
    }
    /// Thursday 12 Nov 2026, 10:00 in Paris.
    let now = instant("2026-11-12T09:00:00Z")

    func weeklyDraft(version: EventVersion = EventVersion()) -> EventDraft {
        EventDraft(uid: "drinks@example.org", title: "Startup drinks", start: LocalDateTime("2026-12-10T19:00")!,
                   timeZone: "Europe/Paris", duration: 7200, recurrence: EventRecurrence(rrule: "FREQ=WEEKLY"),
                   reminders: [ISODuration(days: 1)], version: version)
    }

    func starts(_ texts: String...) -> [Date] { texts.map { LocalDateTime($0)!.instant(in: paris) } }

    @Test func aSeriesAndAChangedOccurrenceWithTheSameUIDAreStoredWithTheirReminders() throws {
        let db = try AppDatabase.inMemory()
        let occurrence = OccurrenceID.instant(starts("2026-12-17T19:00")[0])
        var moved = EventDraft(uid: "drinks@example.org", title: "Startup drinks", start: LocalDateTime("2026-12-18T20:00")!,
                               timeZone: "Europe/Paris", duration: 7200, reminders: [ISODuration(days: 1)], occurrenceID: occurrence)
        let (added, changes) = try db.importEvents(now: now, rules: rules) { stored in
            #expect(stored.isEmpty)
            return [.add(weeklyDraft(), occurrences: starts("2026-12-10T19:00", "2026-12-24T19:00")),
                    .add(moved, occurrences: starts("2026-12-18T20:00"))]
        }
        #expect(added.count == 2 && changes.scheduled.count == 3)
        let events = try db.events()
        #expect(events.map(\.occurrenceID) == [nil, occurrence])
        // The same identity twice is refused, and the failed import leaves nothing behind.
        moved.title = "again"
        #expect(throws: StoreError.self) {
            try db.importEvents(now: now, rules: rules) { _ in [.add(moved, occurrences: [])] }
        }
        #expect(try db.events().count == 2)
        // The moved occurrence's reminder: the day before it (at the start of that day).
        let moment = try #require(try db.upcoming(limit: 10).first { $0.text == "Startup drinks: Fri 18 Dec 20:00" })
        #expect(moment.fireAt == starts("2026-12-17T09:00")[0])
    }

    @Test func contactsAndEventsImportedTogetherLandTogetherOrNotAtAll() throws {
        let db = try AppDatabase.inMemory()
        _ = try db.importEvents(now: now, rules: rules) { _ in [.add(weeklyDraft(), occurrences: starts("2026-12-10T19:00"))] }
        let ada = ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"])
        // An event write that fails (the same UID again) after the contacts were written
        // in the same transaction leaves no contact behind.
        #expect(throws: StoreError.self) {
            try db.importContactsAndEvents(now: now, rules: rules, contacts: { existing in
                #expect(existing.isEmpty)
                return [.add(ada, firstInteraction: nil)]
            }, events: { _, _ in ([.add(weeklyDraft(), occurrences: [])], [:]) })
        }
        #expect(try db.contacts().isEmpty && db.events().count == 1)
        // A plan that throws on the events' side: the same.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try db.importContactsAndEvents(now: now, rules: rules, contacts: { _ in [.add(ada, firstInteraction: nil)] },
                                           events: { _, _ in throw Stop() })
        }
        #expect(try db.contacts().isEmpty)
        // Both valid: both land.
        var other = weeklyDraft()
        other.uid = "talk@example.org"
        let result = try db.importContactsAndEvents(now: now, rules: rules, contacts: { _ in [.add(ada, firstInteraction: nil)] },
                                                    events: { _, _ in ([.add(other, occurrences: starts("2026-12-10T19:00"))], [:]) })
        #expect(result.contacts.added.count == 1 && result.events.added.count == 1)
        #expect(try db.contacts().map(\.name) == ["Ada Lovelace"] && db.events().count == 2)
    }

    @Test func anUpdateReplansPendingRemindersAndAnExclusionCancelsItsOccurrencesInOneTransaction() throws {
        let db = try AppDatabase.inMemory()
        let (added, _) = try db.importEvents(now: now, rules: rules) { _ in
            [.add(weeklyDraft(), occurrences: starts("2026-12-10T19:00", "2026-12-17T19:00"))]
        }
        let id = added[0]
        var later = weeklyDraft(version: EventVersion(sequence: 1))
        later.start = LocalDateTime("2026-12-10T19:30")!
        let (_, changes) = try db.importEvents(now: now, rules: rules) { _ in
            [.update(id: id, later, occurrences: starts("2026-12-10T19:30", "2026-12-17T19:30"))]
        }
        #expect(changes.cancelled.count == 2 && changes.scheduled.count == 2)
        #expect(try db.upcoming(limit: 10).map(\.fireAt) == starts("2026-12-09T09:00", "2026-12-16T09:00"))
        #expect(try db.event(id: id)?.version == EventVersion(sequence: 1))

        // Leaving 10 Dec out cancels its reminder and plans the next look-ahead.
        let (_, excluded) = try db.importEvents(now: now, rules: rules) { _ in
            [.exclude(id: id, exdates: [LocalDateTime("2026-12-10T19:30")!], occurrences: starts("2026-12-17T19:30", "2026-12-24T19:30"))]
        }
        #expect(excluded.cancelled.count == 1 && excluded.scheduled.count == 1)
        #expect(try db.upcoming(limit: 10).map(\.fireAt) == starts("2026-12-16T09:00", "2026-12-23T09:00"))
        #expect(try db.event(id: id)?.recurrence?.exdates == [LocalDateTime("2026-12-10T19:30")!])

        // A plan that throws halfway writes nothing.
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try db.importEvents(now: now, rules: rules) { _ in throw Stop() }
        }
        let (_, removed) = try db.importEvents(now: now, rules: rules) { _ in [.remove(id: id)] }
        #expect(removed.cancelled.count == 2)
        #expect(try db.upcoming(limit: 10).isEmpty && db.events().isEmpty)
    }

    @Test func eventsStoredBeforeVersionsAreKeptByTheMigration() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relance-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("relance.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try AppDatabase.migrator.migrate(queue, upTo: "v7: meetings offered by mail")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO event (id, uid, title, start, timeZone, durationSeconds, reminders, createdAt)
                VALUES (7, 'old@example.org', 'Old meetup', '2026-12-10T19:00:00', 'Europe/Paris', 7200, '["P1D"]', 0)
                """)
            try db.execute(sql: """
                INSERT INTO reminder (contactId, kind, text, dueAt, state, fireAt, reason, anchorAt, eventId, offset)
                VALUES (NULL, 'eventSoon', 'Old meetup', 1, 'pending', 1, '', 1, 7, 'P1D')
                """)
        }
        try queue.close()
        let db = try AppDatabase.open(path: path)
        let event = try #require(try db.event(id: 7))
        #expect(event.uid == "old@example.org" && event.version == EventVersion() && event.occurrenceID == nil)
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM reminder WHERE eventId = 7") } == 1)
        #expect(try db.writer.read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }.count == 0)
    }
}
