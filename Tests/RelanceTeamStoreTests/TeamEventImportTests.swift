import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Calendar imports on a real PostgreSQL 15 (team schema v13): the personal store's
/// `EventMutation`s applied in ONE transaction, with the reminders the personal store plans
/// for the same mutations (compared row for row), the caller going to what it adds, and
/// the series cancelled remembered. Two stores on one database stand for two nodes.
@Suite(.serialized) struct TeamEventImportTests {
    let t0 = instant("2030-03-18T08:00:00Z")
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    let starts = [instant("2030-03-21T18:00:00Z"), instant("2030-03-28T18:00:00Z"), instant("2030-04-04T17:00:00Z")]
    let series = EventDraft(uid: "drinks@example.org", title: "Startup drinks", start: LocalDateTime("2030-03-21T19:00")!,
                            timeZone: "Europe/Paris", duration: 3 * 3600, place: "Station F",
                            recurrence: EventRecurrence(rrule: "FREQ=WEEKLY;BYDAY=TH"))
    let oneOff = EventDraft(uid: "fair@example.org", title: "Job fair", start: LocalDateTime("2030-03-25T10:00")!,
                            timeZone: "Europe/Paris", duration: 8 * 3600)

    static func row(_ reminder: Reminder) -> [String] {
        [reminder.kind.rawValue, reminder.text, "\(reminder.dueAt)", "\(reminder.fireAt)"]
    }

    /// Both stores given the same plans, one after the other (ids match: both start empty).
    func both(_ team: TeamStore, _ personal: AppDatabase, by user: String,
              _ plan: @escaping ([NetworkingEvent], [String: EventVersion]) throws
                  -> (mutations: [EventMutation], cancelled: [String: EventVersion?])) throws {
        _ = try team.importEvents(now: t0, rules: rules, owner: user, plan: plan)
        _ = try personal.importEvents(now: t0, rules: rules, plan: plan)
    }

    @Test func everyMutationWritesWhatThePersonalStoreWritesInOneTransaction() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let personal = try AppDatabase.inMemory()
        // Added together: the series and the one-off, with their next occurrences.
        try both(a, personal, by: "lea") { stored, tombstones in
            #expect(stored.isEmpty && tombstones.isEmpty)
            return ([.add(series, occurrences: Array(starts.prefix(2))), .add(oneOff, occurrences: [instant("2030-03-25T09:00:00Z")])],
                    [:])
        }
        #expect(try b.events().map { "\($0.by) \($0.event.title)" } == ["lea Startup drinks", "lea Job fair"])
        #expect(try b.upcoming(limit: 100).map(Self.row) == (try personal.upcoming(limit: 100).map(Self.row)))
        #expect(try server.psql("SELECT DISTINCT owner FROM reminder") == "lea\n")
        let drinks = try b.events()[0].event.id, fair = try b.events()[1].event.id

        // A newer version moves the series an hour later; the first Thursday is cancelled;
        // the one-off's newer copy changes nothing but its version; then it is cancelled
        // and remembered as such.
        var later = series
        later.start = LocalDateTime("2030-03-21T20:00")!
        later.version = EventVersion(sequence: 2, stamp: nil)
        let laterStarts = starts.map { $0.addingTimeInterval(3600) }
        try both(b, personal, by: "lea") { stored, _ in
            #expect(stored.map(\.id) == [drinks, fair])
            return ([.update(id: drinks, later, occurrences: Array(laterStarts.prefix(2))),
                     .exclude(id: drinks, exdates: [later.start], occurrences: Array(laterStarts.suffix(2))),
                     .recordVersion(id: fair, EventVersion(sequence: 1, stamp: nil))], [:])
        }
        #expect(try a.event(id: fair)?.event.version.sequence == 1)
        #expect(try a.event(id: drinks)?.event.recurrence?.exdates == [later.start])
        #expect(try a.upcoming(limit: 100).map(Self.row) == (try personal.upcoming(limit: 100).map(Self.row)))
        try both(a, personal, by: "lea") { _, _ in
            ([.remove(id: fair)], ["fair@example.org": .some(EventVersion(sequence: 3, stamp: nil))])
        }
        #expect(try a.events().map(\.event.id) == [drinks])
        #expect(try a.cancelledSeries() == ["fair@example.org": EventVersion(sequence: 3, stamp: nil)])
        #expect(try a.cancelledSeries() == (try personal.cancelledSeries()))
        #expect(try a.upcoming(limit: 100).map(Self.row) == (try personal.upcoming(limit: 100).map(Self.row)))
        // Brought back by a newer copy: forgotten.
        _ = try a.importEvents(now: t0, rules: rules, owner: "lea") { _, remembered in
            #expect(remembered["fair@example.org"]?.sequence == 3)
            let forget: [String: EventVersion?] = ["fair@example.org": .none]
            return ([], forget)
        }
        #expect(try b.cancelledSeries().isEmpty)
        a.close(); b.close()
    }

    @Test func anotherUsersEventOrAFailingPlanWritesNothingAtAll() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.importEvents(now: t0, rules: rules, owner: "lea") { _, _ in ([.add(series, occurrences: [starts[0]])], [:]) }
        let id = try a.events()[0].event.id
        let before = try server.psql("SELECT id, state, fire_at FROM reminder ORDER BY id")
        var newer = series
        newer.title = "Founders' drinks"
        // sam's calendar adds the one-off, then updates, skips or cancels lea's series:
        // refused naming lea, and the one-off is not added either.
        for (action, mutation) in [("change it", EventMutation.update(id: id, newer, occurrences: [starts[0]])),
                                   ("cancel one of its occurrences", .exclude(id: id, exdates: [series.start], occurrences: [])),
                                   ("record a newer version of it", .recordVersion(id: id, EventVersion(sequence: 4, stamp: nil))),
                                   ("remove it", .remove(id: id))] {
            #expect(throws: StoreError.invalidState(what: "event", reason: "#\(id) is lea's: only who goes can \(action); ask lea")) {
                _ = try a.importEvents(now: t0, rules: rules, owner: "sam") { _, _ in
                    ([.add(oneOff, occurrences: [instant("2030-03-25T09:00:00Z")]), mutation], ["gone@x": .some(EventVersion(sequence: 1, stamp: nil))])
                }
            }
        }
        // A plan that throws after its writes were decided (a rejected event) writes nothing.
        struct Rejected: Error {}
        #expect(throws: Rejected.self) {
            _ = try a.importEvents(now: t0, rules: rules, owner: "sam") { _, _ in throw Rejected() }
        }
        // An invalid draft among good ones: nothing.
        var blank = oneOff
        blank.uid = "blank@x"; blank.title = " "
        #expect(throws: ValidationError(field: "title", reason: "must not be empty")) {
            _ = try a.importEvents(now: t0, rules: rules, owner: "sam") { _, _ in
                ([.add(oneOff, occurrences: []), .add(blank, occurrences: [])], [:])
            }
        }
        #expect(try a.events().map(\.event.uid) == ["drinks@example.org"])
        #expect(try a.cancelledSeries().isEmpty)
        #expect(try server.psql("SELECT id, state, fire_at FROM reminder ORDER BY id") == before)
        a.close()
    }
}
