import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Networking events on a real PostgreSQL 15 (team schema v11): the personal store's
/// events, same checks and same reminders (compared with what the personal store plans
/// for the same event), kept by who goes, each occurrence planned once whichever nodes
/// plan it. Two stores on one database stand for two nodes. Occurrences are given as the
/// daemon's expander gives them: the same list to both stores.
@Suite(.serialized) struct TeamEventTests {
    let t0 = instant("2030-03-18T08:00:00Z")  // a Monday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    /// A weekly Thursday 19:00 in Paris, across the 31 March change: 18:00 UTC, then 17:00.
    let starts = [instant("2030-03-21T18:00:00Z"), instant("2030-03-28T18:00:00Z"), instant("2030-04-04T17:00:00Z")]
    let draft = EventDraft(uid: "drinks@example.org", title: " Startup drinks ", start: LocalDateTime("2030-03-21T19:00")!,
                           timeZone: "Europe/Paris", duration: 3 * 3600, place: "Station F",
                           recurrence: EventRecurrence(rrule: "FREQ=WEEKLY;BYDAY=TH"))

    /// The next two starts after `now`, as `EventPlanner.lookahead` asks.
    func upcoming(_ now: Date) -> TeamStore.Occurrences {
        let starts = self.starts
        return { _ in Array(starts.filter { $0 > now }.prefix(2)) }
    }

    static func row(_ reminder: Reminder) -> [String] {
        [reminder.kind.rawValue, reminder.text, "\(reminder.dueAt)", "\(reminder.fireAt)"]
    }

    /// The personal store with the same event planned at `now` for the same occurrences.
    func personal(_ draft: EventDraft, now: Date) throws -> AppDatabase {
        let personal = try AppDatabase.inMemory()
        let event = try personal.addEvent(draft, rules: rules, now: now)
        _ = try personal.materialize(eventID: event.id, occurrences: try upcoming(now)(event), rules: rules, now: now)
        return personal
    }

    @Test func anEventPlansThePersonalStoresRemindersFiresOnceAndItsNextOccurrenceIsPlannedOnce() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let (added, reminders) = try a.addEvent(draft, by: "lea", rules: rules, now: t0, upcoming: upcoming(t0))
        #expect(added.by == "lea" && added.event.title == "Startup drinks" && added.event.reminders == rules.eventReminders)
        #expect(reminders.map(Self.row) == (try personal(draft, now: t0).upcoming(limit: 50).map(Self.row)))
        #expect(Set(reminders.map(\.kind)) == [.eventRSVP, .eventSoon, .eventLogPeople])
        #expect(try server.psql("SELECT DISTINCT owner FROM reminder") == "lea\n")  // mailed to who goes
        #expect(try b.events() == [added])
        #expect(try b.upcoming(limit: 50).map(\.id) == reminders.map(\.id))

        // Fired once, by whichever node claims it; the firing names its event.
        let first = reminders[0]
        let fired = try b.fireDue(expected: [], at: first.fireAt, late: false, lateBefore: nil, rules: rules, channels: [])
        #expect(fired.items.map(\.reminderID) == [first.id] && fired.eventIDs == [added.event.id])
        #expect(try a.fireDue(expected: [], at: first.fireAt, late: false, lateBefore: nil, rules: rules, channels: []).items.isEmpty)

        // After the first occurrence both nodes plan the next ones at once: the third
        // occurrence gets its reminders once.
        let later = instant("2030-03-22T08:00:00Z")
        let planned = NIOLockedValueBox<[[Reminder]]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let store = index == 0 ? a : b
            if let made = try? store.materialize(eventID: added.event.id, rules: rules, now: later, upcoming: upcoming(later)) {
                planned.withLockedValue { $0.append(made) }
            }
        }
        let made = planned.withLockedValue { $0 }
        #expect(made.count == 2 && made.filter(\.isEmpty).count == 1)
        let third = made.flatMap { $0 }
        #expect(!third.isEmpty)
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE anchor_at = '2030-04-04T17:00:00Z'") == "\(third.count)\n")
        a.close(); b.close()
    }

    @Test func badInputOrSomeoneElseIsRefusedAndNothingIsWritten() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let (added, reminders) = try a.addEvent(draft, by: "lea", rules: rules, now: t0, upcoming: upcoming(t0))
        let id = added.event.id
        let before = try server.psql("SELECT id, state, fire_at FROM reminder ORDER BY id")
        #expect(throws: StoreError.invalidState(what: "uid", reason: "an event with UID drinks@example.org exists already")) {
            try b.addEvent(draft, by: "sam", rules: rules, now: t0, upcoming: upcoming(t0))
        }
        var blank = draft
        blank.uid = "other"; blank.title = "  "
        #expect(throws: ValidationError(field: "title", reason: "must not be empty")) {
            try b.addEvent(blank, by: "sam", rules: rules, now: t0, upcoming: upcoming(t0))
        }
        var nowhere = draft
        nowhere.timeZone = "Mars/Olympus"
        #expect(throws: ValidationError(field: "timeZone", reason: "'Mars/Olympus' is not an IANA time zone")) {
            try a.updateEvent(id: id, by: "lea", nowhere, rules: rules, now: t0, upcoming: upcoming(t0))
        }
        var renamed = draft
        renamed.title = "Founders' drinks"
        for (action, attempt) in [("change it", { _ = try b.updateEvent(id: id, by: "sam", renamed, rules: rules, now: t0, upcoming: upcoming(t0)) }),
                                  ("skip an occurrence", { _ = try b.skipOccurrence(eventID: id, by: "sam", exdate: draft.start,
                                                                                    occurrence: starts[0], rules: rules, now: t0,
                                                                                    upcoming: upcoming(t0)) }),
                                  ("remove it", { _ = try b.removeEvent(id: id, by: "sam") })] as [(String, () throws -> Void)] {
            #expect(throws: StoreError.invalidState(what: "event", reason: "#\(id) is lea's: only who goes can \(action); ask lea")) {
                try attempt()
            }
        }
        #expect(throws: StoreError.eventNotFound(id: 99)) { try b.removeEvent(id: 99, by: "lea") }
        #expect(try server.psql("SELECT count(*) FROM event") == "1\n")
        #expect(try b.events() == [added])
        #expect(try server.psql("SELECT id, state, fire_at FROM reminder ORDER BY id") == before)

        // lea renames it from the other node: the pending reminders replaced by the plan
        // the personal store makes for the renamed event.
        let (updated, cancelled, replanned) = try b.updateEvent(id: id, by: "lea", renamed, rules: rules, now: t0,
                                                                upcoming: upcoming(t0))
        #expect(updated.event.title == "Founders' drinks" && Set(cancelled) == Set(reminders.map(\.id)))
        #expect(replanned.map(Self.row) == (try personal(renamed, now: t0).upcoming(limit: 50).map(Self.row)))
        // Skipping the first occurrence: its reminders cancelled, the third planned.
        let (skipped, skippedIDs, third) = try a.skipOccurrence(eventID: id, by: "lea", exdate: draft.start, occurrence: starts[0],
                                                                rules: rules, now: t0, upcoming: { _ in [self.starts[1], self.starts[2]] })
        #expect(skipped.event.recurrence?.exdates == [draft.start])
        #expect(!skippedIDs.isEmpty && !third.isEmpty)
        #expect(try server.psql("SELECT DISTINCT anchor_at FROM reminder WHERE state = 'pending' ORDER BY 1")
                == "2030-03-28 18:00:00+00\n2030-04-04 17:00:00+00\n")
        let (_, removedIDs) = try a.removeEvent(id: id, by: "lea")
        #expect(removedIDs.count == 2 * third.count)
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0\n")
        a.close(); b.close()
    }

    @Test func newRulesReplanPendingEventRemindersAsThePersonalStoreDoes() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addEvent(draft, by: "lea", rules: rules, now: t0, upcoming: upcoming(t0))
        let personal = try personal(draft, now: t0)
        // Another zone: the user's day, so the polite times, move.
        let moved = TimingRules(userZone: TimeZone(identifier: "America/New_York")!)
        let changes = try a.replan(rules: moved, now: t0)
        let personalChanges = try personal.replan(rules: moved, now: t0)
        #expect(!changes.scheduled.isEmpty && changes.scheduled.count == personalChanges.scheduled.count)
        #expect(try a.upcoming(limit: 50).map(Self.row) == (try personal.upcoming(limit: 50).map(Self.row)))
        a.close()
    }
}
