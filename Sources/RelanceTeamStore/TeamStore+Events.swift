import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// A networking event of the team, with the team user who goes.
public struct TeamEvent: Sendable, Hashable {
    public var event: NetworkingEvent
    public var by: String
}

/// Networking events on a team node (team schema v11, issue #16): the personal store's
/// events, with the same checks (`EventDraft.validate`) and the same reminders
/// (`EventReminders`: RSVP, the leads before each occurrence, logging the people met),
/// planned into the team's `reminder` table for the next occurrences only, so they fire
/// once through whichever node claims them. Occurrences are expanded by the caller (the
/// daemon reads RRULEs with libical): `upcoming` gives the next starts of an event as it
/// will be stored, and is called inside the transaction. Only who added an event may
/// change, skip or remove it: they are the one who goes, and its reminders are theirs.
extension TeamStore {
    public typealias Occurrences = (NetworkingEvent) throws -> [Date]

    /// Adds `by`'s event and plans the reminders of its next occurrences, in one
    /// transaction. A UID (and RECURRENCE-ID) already stored is refused, as in the
    /// personal store.
    public func addEvent(_ draft: EventDraft, by user: String, rules: TimingRules, now: Date,
                         upcoming: Occurrences) throws -> (TeamEvent, [Reminder]) {
        try draft.validate()
        let (added, reminders) = try transaction { connection in
            let added = try insertEvent(connection, draft, by: user, rules: rules, now: now)
            return (added, try insertOccurrences(connection, added, try upcoming(added.event), rules: rules, now: now) { _, _ in true })
        }
        tellScheduled(reminders, cancelled: [])
        return (added, reminders)
    }

    /// Every event of the team, oldest first (as the personal store lists them).
    public func events() throws -> [TeamEvent] {
        try withConnection { connection in
            try connection.query("SELECT \(unescaped: Self.eventColumns) FROM event ORDER BY id", logger: logger).wait()
                .map(Self.teamEvent)
        }
    }

    public func event(id: Int64) throws -> TeamEvent? {
        try withConnection { connection in
            try connection.query("SELECT \(unescaped: Self.eventColumns) FROM event WHERE id = \(id)", logger: logger).wait()
                .first.map(Self.teamEvent)
        }
    }

    public func eventIDs() throws -> [Int64] {
        try withConnection { connection in
            try connection.query("SELECT id FROM event ORDER BY id", logger: logger).wait().map { try $0.decode(Int64.self) }
        }
    }

    /// Plans the reminders of the event's next occurrences that have none yet, in one
    /// transaction with the event's row locked: nodes that do it at once (each fired one
    /// of its reminders, or started) plan each occurrence once. An event gone plans nothing.
    public func materialize(eventID: Int64, rules: TimingRules, now: Date, upcoming: Occurrences) throws -> [Reminder] {
        let reminders = try transaction { connection -> [Reminder] in
            guard let current = try event(connection, id: eventID, locked: true) else { return [] }
            let existing = try anchors(connection, eventID: eventID)
            let fresh = try upcoming(current.event).filter { !existing.contains($0) }
            return try insertOccurrences(connection, current, fresh, rules: rules, now: now) { _, _ in true }
        }
        tellScheduled(reminders, cancelled: [])
        return reminders
    }

    /// `by` replaces their event's fields with `draft` (same UID) and the reminders of its
    /// future occurrences are planned again, in one transaction: the pending ones of
    /// occurrences after `now` are cancelled, and the new occurrences get
    /// `EventReminders`' plan less what already fired for the same occurrence and lead
    /// (the personal store's rule).
    public func updateEvent(id: Int64, by user: String, _ draft: EventDraft, rules: TimingRules, now: Date,
                            upcoming: Occurrences) throws -> (TeamEvent, cancelled: [Int64], [Reminder]) {
        try draft.validate()
        let (updated, cancelled, reminders) = try transaction { connection in
            try replaceEvent(connection, id: id, by: user, draft, rules: rules, now: now, occurrences: upcoming)
        }
        tellScheduled(reminders, cancelled: cancelled)
        return (updated, cancelled, reminders)
    }

    /// `by` skips one occurrence of their event, in one transaction: `exdate` (its
    /// wall-clock start) joins the exceptions, the pending reminders of `occurrence` (its
    /// instant) are cancelled, and the next occurrences get reminders where they have none.
    public func skipOccurrence(eventID: Int64, by user: String, exdate: LocalDateTime, occurrence: Date, rules: TimingRules,
                               now: Date, upcoming: Occurrences) throws -> (TeamEvent, cancelled: [Int64], [Reminder]) {
        let (skipped, cancelled, reminders) = try transaction { connection in
            guard let current = try event(connection, id: eventID, locked: true) else { throw StoreError.eventNotFound(id: eventID) }
            try Self.mustHaveAdded(current, user, "skip an occurrence")
            var event = current.event
            var recurrence = event.recurrence ?? EventRecurrence(rrule: nil)
            if !recurrence.exdates.contains(exdate) { recurrence.exdates.append(exdate) }
            event.recurrence = recurrence
            try write(connection, event)
            let cancelled = try cancelPending(connection, eventID: eventID, at: occurrence)
            let existing = try anchors(connection, eventID: eventID)
            let skipped = TeamEvent(event: event, by: current.by)
            let fresh = try upcoming(event).filter { !existing.contains($0) }
            return (skipped, cancelled, try insertOccurrences(connection, skipped, fresh, rules: rules, now: now) { _, _ in true })
        }
        tellScheduled(reminders, cancelled: cancelled)
        return (skipped, cancelled, reminders)
    }

    /// `by` removes their event, in one transaction: its pending reminders are cancelled,
    /// the others stay (unlinked) with their inbox items. The event as it was.
    public func removeEvent(id: Int64, by user: String) throws -> (TeamEvent, cancelled: [Int64]) {
        let (removed, cancelled) = try transaction { connection in try deleteEvent(connection, id: id, by: user) }
        tellScheduled([], cancelled: cancelled)
        return (removed, cancelled)
    }

    // MARK: In a transaction

    /// Inserts `by`'s event (no reminders yet); a UID (and RECURRENCE-ID) already stored
    /// is refused, as in the personal store.
    func insertEvent(_ connection: PostgresConnection, _ draft: EventDraft, by user: String, rules: TimingRules,
                     now: Date) throws -> TeamEvent {
        let key = draft.occurrenceID?.key
        // The personal store's message for a UID taken; two adds of one UID at the same
        // moment are decided by the unique key (the second rolls back whole).
        if try connection.query("""
            SELECT 1 FROM event WHERE uid = \(draft.uid) AND occurrence_id IS NOT DISTINCT FROM \(key)
            """, logger: logger).wait().first != nil {
            throw StoreError.invalidState(what: "uid", reason: "an event with UID \(draft.uid)"
                                          + (key.map { " and RECURRENCE-ID \($0)" } ?? "") + " exists already")
        }
        let reminders = draft.reminders ?? rules.eventReminders
        let id = try connection.query("""
            INSERT INTO event (uid, occurrence_id, title, start_local, time_zone, duration_seconds, place, url, details,
                               rsvp_by, recurrence, reminders, all_day, sequence, revised_at, created_by, created_at)
            VALUES (\(draft.uid), \(key), \(draft.storedTitle), \(draft.start.description), \(draft.timeZone),
                    \(draft.duration), \(draft.place), \(draft.url), \(draft.details), \(draft.rsvpBy),
                    \(try draft.recurrence.map(Self.json)), \(try Self.json(reminders)), \(draft.isAllDay),
                    \(draft.version.sequence), \(draft.version.stamp), \(user), \(now))
            RETURNING id
            """, logger: logger).wait().first!.decode(Int64.self)
        let event = NetworkingEvent(id: id, uid: draft.uid, title: draft.storedTitle, start: draft.start, timeZone: draft.timeZone,
                                    duration: draft.duration, place: draft.place, url: draft.url, details: draft.details,
                                    rsvpBy: draft.rsvpBy, recurrence: draft.recurrence, reminders: reminders,
                                    occurrenceID: draft.occurrenceID, version: draft.version, isAllDay: draft.isAllDay)
        return TeamEvent(event: event, by: user)
    }

    /// `updateEvent`'s writes: only who goes may.
    func replaceEvent(_ connection: PostgresConnection, id: Int64, by user: String, _ draft: EventDraft, rules: TimingRules,
                      now: Date, occurrences upcoming: Occurrences) throws -> (TeamEvent, cancelled: [Int64], [Reminder]) {
        guard let current = try event(connection, id: id, locked: true) else { throw StoreError.eventNotFound(id: id) }
        try Self.mustHaveAdded(current, user, "change it")
        var event = current.event
        event.title = draft.storedTitle; event.start = draft.start; event.timeZone = draft.timeZone
        event.duration = draft.duration; event.place = draft.place; event.url = draft.url; event.details = draft.details
        event.rsvpBy = draft.rsvpBy; event.recurrence = draft.recurrence; event.reminders = draft.reminders ?? event.reminders
        event.version = draft.version; event.isAllDay = draft.isAllDay
        try write(connection, event)
        let cancelled = try cancelPending(connection, eventID: id, after: now)
        let fired = Set(try connection.query("""
            SELECT anchor_at, kind, lead_offset FROM reminder WHERE event_id = \(id) AND state = 'fired'
            """, logger: logger).wait().map { row -> String in
                let (anchor, kind, offset) = try row.decode((Date, String, String?).self)
                return Self.firedKey(anchor, kind, offset)
            })
        let updated = TeamEvent(event: event, by: current.by)
        let reminders = try insertOccurrences(connection, updated, try upcoming(event), rules: rules, now: now) { occurrence, plan in
            !fired.contains(Self.firedKey(occurrence, plan.kind.rawValue, plan.offset))
        }
        return (updated, cancelled, reminders)
    }

    /// `removeEvent`'s writes: only who goes may.
    func deleteEvent(_ connection: PostgresConnection, id: Int64, by user: String) throws -> (TeamEvent, cancelled: [Int64]) {
        guard let current = try event(connection, id: id, locked: true) else { throw StoreError.eventNotFound(id: id) }
        try Self.mustHaveAdded(current, user, "remove it")
        let cancelled = try cancelPending(connection, eventID: id)
        try run(connection, "UPDATE reminder SET event_id = NULL WHERE event_id = \(id)")
        try run(connection, "DELETE FROM event WHERE id = \(id)")
        return (current, cancelled)
    }

    func event(_ connection: PostgresConnection, id: Int64, locked: Bool) throws -> TeamEvent? {
        try connection.query("""
            SELECT \(unescaped: Self.eventColumns) FROM event WHERE id = \(id) \(unescaped: locked ? "FOR UPDATE" : "")
            """, logger: logger).wait().first.map(Self.teamEvent)
    }

    func write(_ connection: PostgresConnection, _ event: NetworkingEvent) throws {
        try run(connection, """
            UPDATE event SET title = \(event.title), start_local = \(event.start.description), time_zone = \(event.timeZone),
                duration_seconds = \(event.duration), place = \(event.place), url = \(event.url), details = \(event.details),
                rsvp_by = \(event.rsvpBy), recurrence = \(try event.recurrence.map(Self.json)),
                reminders = \(try Self.json(event.reminders)), all_day = \(event.isAllDay), sequence = \(event.version.sequence),
                revised_at = \(event.version.stamp)
            WHERE id = \(event.id)
            """)
    }

    /// The occurrence starts that have reminders already (pending, fired or cancelled).
    func anchors(_ connection: PostgresConnection, eventID: Int64) throws -> Set<Date> {
        Set(try connection.query("""
            SELECT DISTINCT anchor_at FROM reminder WHERE event_id = \(eventID) AND anchor_at IS NOT NULL
            """, logger: logger).wait().map { try $0.decode(Date.self) })
    }

    /// Inserts `EventReminders`' plan for each occurrence (the plans `keep` accepts),
    /// owned by who goes: mailed to them, planned in their zone and window (`rules` is
    /// the node's).
    func insertOccurrences(_ connection: PostgresConnection, _ owned: TeamEvent, _ occurrences: [Date],
                                   rules nodeRules: TimingRules, now: Date, keep: (Date, ReminderPlan) -> Bool) throws -> [Reminder] {
        let event = owned.event
        let rules = try rules(nodeRules, of: owned.by, connection)
        var reminders: [Reminder] = []
        for occurrence in occurrences {
            for plan in EventReminders.plan(title: event.title, place: event.place, occurrence: occurrence, duration: event.duration,
                                            rsvpBy: event.rsvpBy, leads: event.reminders, rules: rules, now: now,
                                            allDay: event.isAllDay) where keep(occurrence, plan) {
                let id = try connection.query("""
                    INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, anchor_at, event_id, lead_offset, owner)
                    VALUES (\(plan.kind.rawValue), \(plan.text), \(plan.planned.dueAt), \(plan.planned.fireAt),
                            \(plan.planned.reason), \(settings.node), \(occurrence), \(event.id), \(plan.offset), \(owned.by))
                    RETURNING id
                    """, logger: logger).wait().first!.decode(Int64.self)
                reminders.append(Reminder(id: id, kind: plan.kind, text: plan.text, dueAt: plan.planned.dueAt,
                                          fireAt: plan.planned.fireAt, reason: plan.planned.reason))
            }
        }
        return reminders.sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
    }

    /// Cancels the event's pending reminders (of the occurrences after `after`, or of the
    /// one at `at`, when given); a node firing one finishes first: its row is locked. Their ids.
    func cancelPending(_ connection: PostgresConnection, eventID: Int64, after: Date? = nil,
                               at: Date? = nil) throws -> [Int64] {
        try connection.query("""
            UPDATE reminder SET state = 'cancelled'
            WHERE event_id = \(eventID) AND state = 'pending'
              AND (\(after)::timestamptz IS NULL OR anchor_at > \(after)) AND (\(at)::timestamptz IS NULL OR anchor_at = \(at))
            RETURNING id
            """, logger: logger).wait().map { try $0.decode(Int64.self) }
    }

    func tellScheduled(_ reminders: [Reminder], cancelled: [Int64]) {
        guard !reminders.isEmpty || !cancelled.isEmpty else { return }
        listener.tellLocally(ScheduleChanges(scheduled: reminders.map { ScheduledReminder(id: $0.id, due: $0.fireAt) },
                                             cancelled: cancelled))
    }

    private static func firedKey(_ occurrence: Date, _ kind: String, _ offset: String?) -> String {
        "\(occurrence.timeIntervalSince1970)|\(kind)|\(offset ?? "")"
    }

    static func mustHaveAdded(_ event: TeamEvent, _ user: String, _ action: String) throws {
        guard event.by != user else { return }
        throw StoreError.invalidState(what: "event", reason: "#\(event.event.id) is \(event.by)'s: only who goes can \(action); ask \(event.by)")
    }

    static let eventColumns = """
        id, uid, occurrence_id, title, start_local, time_zone, duration_seconds, place, url, details, rsvp_by, recurrence,
        reminders, all_day, sequence, revised_at, created_by
        """

    static func teamEvent(_ row: PostgresRow) throws -> TeamEvent {
        let columns = row.makeRandomAccess()
        let recurrence = try columns[11].decode(String?.self)
        let event = NetworkingEvent(
            id: try columns[0].decode(Int64.self), uid: try columns[1].decode(String.self),
            title: try columns[3].decode(String.self), start: LocalDateTime(try columns[4].decode(String.self))!,
            timeZone: try columns[5].decode(String.self), duration: try columns[6].decode(Double.self),
            place: try columns[7].decode(String?.self), url: try columns[8].decode(String?.self),
            details: try columns[9].decode(String?.self), rsvpBy: try columns[10].decode(Date?.self),
            recurrence: try recurrence.map { try decodeJSON($0) }, reminders: try decodeJSON(try columns[12].decode(String.self)),
            occurrenceID: try columns[2].decode(String?.self).flatMap(OccurrenceID.init(key:)),
            version: EventVersion(sequence: Int(try columns[14].decode(Int32.self)), stamp: try columns[15].decode(Date?.self)),
            isAllDay: try columns[13].decode(Bool.self))
        return TeamEvent(event: event, by: try columns[16].decode(String.self))
    }
}
