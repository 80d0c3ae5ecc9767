import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// A calendar import on a team node (issue #16), as the personal store applies one
/// (`AppDatabase.importEvents`): the plan runs inside ONE transaction on the team's events
/// and the series remembered as cancelled, and every `EventMutation` is written in it, or
/// nothing. The caller goes to the events it adds, so their reminders are the caller's;
/// an update, cancellation or skipped occurrence of an event another user goes to is
/// refused naming whose it is (as `UpdateEvent` is), and the whole import with it.
extension TeamStore {
    public typealias EventImportPlan = ([NetworkingEvent], [String: EventVersion]) throws
        -> (mutations: [EventMutation], cancelled: [String: EventVersion?])

    /// "rlne": imports of events wait for each other, so two plans never see the same
    /// events and both add a UID.
    static let eventImportLock: Int64 = 0x726C_6E65

    /// Applies a calendar import for `owner`, in one transaction. - Returns: the ids of the
    /// events added.
    public func importEvents(now: Date, rules: TimingRules, owner: String, plan: EventImportPlan) throws -> [Int64] {
        let (added, changes) = try transaction { connection in
            try applyEventImport(connection, now: now, rules: rules, owner: owner, plan: plan)
        }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return added
    }

    /// Contacts and calendars imported together (the personal store's
    /// `importContactsAndEvents`), in ONE transaction: a throw from either plan, or any
    /// write failing, changes nothing of either. - Returns: the ids of the events added.
    public func importContactsAndEvents(now: Date, rules: TimingRules, owner: String,
                                        contacts: ([Contact]) throws -> [ContactMutation],
                                        events: EventImportPlan) throws -> [Int64] {
        let (added, changes) = try transaction { connection in
            var (_, _, changes) = try applyContactImport(connection, now: now, rules: rules, owner: owner, plan: contacts)
            let (added, eventChanges) = try applyEventImport(connection, now: now, rules: rules, owner: owner, plan: events)
            changes.merge(eventChanges)
            return (added, changes)
        }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return added
    }

    /// The series cancelled by earlier imports: UID -> the version that cancelled it.
    public func cancelledSeries() throws -> [String: EventVersion] {
        try withConnection { connection in try cancelledSeries(connection) }
    }

    // MARK: In a transaction

    func applyEventImport(_ connection: PostgresConnection, now: Date, rules: TimingRules, owner: String,
                          plan: EventImportPlan) throws -> (added: [Int64], changes: ScheduleChanges) {
        try run(connection, "SELECT pg_advisory_xact_lock(\(Self.eventImportLock))")
        let stored = try connection.query("SELECT \(unescaped: Self.eventColumns) FROM event ORDER BY id", logger: logger).wait()
            .map(Self.teamEvent).map(\.event)
        let (mutations, cancelled) = try plan(stored, try cancelledSeries(connection))
        for (uid, version) in cancelled.sorted(by: { $0.key < $1.key }) {
            if let version {
                try run(connection, """
                    INSERT INTO cancelled_event (uid, sequence, revised_at, cancelled_at)
                    VALUES (\(uid), \(version.sequence), \(version.stamp), \(now))
                    ON CONFLICT (uid) DO UPDATE SET sequence = excluded.sequence, revised_at = excluded.revised_at
                    """)
            } else {
                try run(connection, "DELETE FROM cancelled_event WHERE uid = \(uid)")
            }
        }
        return try applyEventMutations(connection, mutations, owner: owner, rules: rules, now: now)
    }

    /// Writes `mutations` for `owner` inside the caller's transaction: what an import or a
    /// followed calendar file decided. - Returns: the ids of the events added, and the
    /// schedule changes.
    func applyEventMutations(_ connection: PostgresConnection, _ mutations: [EventMutation], owner: String, rules: TimingRules,
                             now: Date) throws -> (added: [Int64], changes: ScheduleChanges) {
        var added: [Int64] = []
        var scheduled: [Reminder] = [], cancelledReminders: [Int64] = []
        for mutation in mutations {
            switch mutation {
            case .add(let draft, let occurrences):
                try draft.validate()
                let event = try insertEvent(connection, draft, by: owner, rules: rules, now: now)
                added.append(event.event.id)
                scheduled += try insertOccurrences(connection, event, occurrences, rules: rules, now: now) { _, _ in true }
            case .update(let id, let draft, let occurrences):
                try draft.validate()
                let (_, cancelled, reminders) = try replaceEvent(connection, id: id, by: owner, draft, rules: rules, now: now) { _ in
                    occurrences
                }
                cancelledReminders += cancelled
                scheduled += reminders
            case .recordVersion(let id, let version):
                let current = try ownedEvent(connection, id: id, by: owner, "record a newer version of it")
                var event = current.event
                event.version = version
                try write(connection, event)
            case .remove(let id):
                cancelledReminders += try deleteEvent(connection, id: id, by: owner).cancelled
            case .exclude(let id, let exdates, let occurrences):
                let current = try ownedEvent(connection, id: id, by: owner, "cancel one of its occurrences")
                var event = current.event
                var recurrence = event.recurrence ?? EventRecurrence(rrule: nil)
                let missing = exdates.filter { !recurrence.exdates.contains($0) }
                guard !missing.isEmpty else { continue }
                recurrence.exdates += missing
                event.recurrence = recurrence
                try write(connection, event)
                for exdate in missing {
                    cancelledReminders += try cancelPending(connection, eventID: id, at: exdate.instant(in: event.zone))
                }
                let existing = try anchors(connection, eventID: id)
                scheduled += try insertOccurrences(connection, TeamEvent(event: event, by: current.by),
                                                   occurrences.filter { !existing.contains($0) }, rules: rules, now: now) { _, _ in true }
            }
        }
        let changes = ScheduleChanges(scheduled: scheduled.map { ScheduledReminder(id: $0.id, due: $0.fireAt) },
                                      cancelled: cancelledReminders)
        return (added, changes)
    }

    private func ownedEvent(_ connection: PostgresConnection, id: Int64, by user: String, _ action: String) throws -> TeamEvent {
        guard let current = try event(connection, id: id, locked: true) else { throw StoreError.eventNotFound(id: id) }
        try Self.mustHaveAdded(current, user, action)
        return current
    }

    private func cancelledSeries(_ connection: PostgresConnection) throws -> [String: EventVersion] {
        var remembered: [String: EventVersion] = [:]
        for row in try connection.query("SELECT uid, sequence, revised_at FROM cancelled_event", logger: logger).wait() {
            let (uid, sequence, stamp) = try row.decode((String, Int32, Date?).self)
            remembered[uid] = EventVersion(sequence: Int(sequence), stamp: stamp)
        }
        return remembered
    }
}
