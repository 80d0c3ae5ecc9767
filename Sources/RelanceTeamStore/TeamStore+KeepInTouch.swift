import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// Keep-in-touch cadences on the team store (v12): the personal store's rule
/// (`Planner.keepInTouch`, counted from the last interaction anyone in the team had with
/// the contact), one pending reminder per contact with a cadence, owned (and mailed) as
/// the contact's owner's and planned in their zone and window (`rules(_:of:_:)`): every
/// `rules` given here is the node's.
extension TeamStore {
    /// Records that `user` was in touch with a contact (`contact touch`), and moves its
    /// keep-in-touch reminder, in one transaction.
    public func touchContact(id: Int64, at date: Date, note: String?, by user: String?,
                             rules: TimingRules) throws -> ScheduleChanges {
        if let note { try Validation.singleLine(note, field: "note") }
        let changes = try transaction { connection in
            guard try connection.query("SELECT id FROM contact WHERE id = \(id) FOR UPDATE", logger: logger).wait().first != nil
            else { throw StoreError.contactNotFound(query: String(id)) }
            return try recordInteraction(connection, contactID: id, outreachID: nil, kind: .touch, at: date, note: note,
                                         by: user, rules: rules)
        }
        if !changes.scheduled.isEmpty { listener.tellLocally(changes) }
        return changes
    }

    /// Records an interaction and moves the contact's keep-in-touch reminder, in the
    /// caller's transaction.
    func recordInteraction(_ connection: PostgresConnection, contactID: Int64, outreachID: Int64?, kind: InteractionKind,
                           at date: Date, note: String? = nil, by user: String?, rules: TimingRules) throws -> ScheduleChanges {
        try run(connection, """
            INSERT INTO interaction (contact_id, outreach_id, kind, at, note, by_user)
            VALUES (\(contactID), \(outreachID), \(kind.rawValue), \(date), \(note), \(user))
            """)
        return try planKeepInTouch(connection, contactID: contactID, rules: rules)
    }

    /// Replaces the contact's pending keep-in-touch reminder with one counted from the
    /// last interaction (none without a cadence). A row another node is firing is left to
    /// that firing, which plans the next one itself.
    func planKeepInTouch(_ connection: PostgresConnection, contactID: Int64, rules: TimingRules) throws -> ScheduleChanges {
        var changes = ScheduleChanges(cancelled: try connection.query("""
            UPDATE reminder SET state = 'cancelled'
            WHERE contact_id = \(contactID) AND kind = \(ReminderKind.keepInTouch.rawValue) AND state = 'pending'
            RETURNING id
            """, logger: logger).wait().map { try $0.decode(Int64.self) })
        guard let (name, cadence, last, owner) = try keepInTouchFacts(connection, contactID: contactID) else { return changes }
        let rules = try self.rules(rules, of: owner, connection)
        let planned = Planner.keepInTouch(lastInteraction: last, cadence: cadence, rules: rules)
        let id = try insertKeepInTouch(connection, contactID: contactID, text: ReminderText.keepInTouch(contact: name, since: last, zone: rules.userZone),
                                       planned: planned, anchor: last)
        changes.scheduled.append(ScheduledReminder(id: id, due: planned.fireAt))
        return changes
    }

    /// The reminder after a fired one (`FollowOn.keepInTouch`): a cadence after its own
    /// due time, or after now when that is already past (missed cadences give one).
    func planNextKeepInTouch(_ connection: PostgresConnection, contactID: Int64, dueAt: Date, now: Date,
                             rules: TimingRules) throws -> ScheduledReminder? {
        guard let (name, cadence, last, owner) = try keepInTouchFacts(connection, contactID: contactID) else { return nil }
        let rules = try self.rules(rules, of: owner, connection)
        let anchor = FollowOn.keepInTouchAnchor(dueAt: dueAt, now: now) {
            Planner.keepInTouch(lastInteraction: $0, cadence: cadence, rules: rules).fireAt
        }
        let planned = Planner.keepInTouch(lastInteraction: anchor, cadence: cadence, rules: rules)
        let id = try insertKeepInTouch(connection, contactID: contactID, text: ReminderText.keepInTouch(contact: name, since: last, zone: rules.userZone),
                                       planned: planned, anchor: anchor)
        return ScheduledReminder(id: id, due: planned.fireAt)
    }

    /// Whether the contact has a cadence (`FollowOn.Facts.contactHasCadence`).
    func hasCadence(_ connection: PostgresConnection, contactID: Int64) throws -> Bool {
        try connection.query("SELECT 1 FROM contact WHERE id = \(contactID) AND keep_in_touch IS NOT NULL",
                             logger: logger).wait().first != nil
    }

    /// The contact's name, cadence, last interaction (its creation if none) and owner;
    /// nil without a cadence.
    private func keepInTouchFacts(_ connection: PostgresConnection, contactID: Int64) throws -> (String, Wait, Date, String)? {
        guard let row = try connection.query("""
            SELECT c.name, c.keep_in_touch, coalesce((SELECT max(i.at) FROM interaction i WHERE i.contact_id = c.id), c.created_at),
                   c.owner
            FROM contact c WHERE c.id = \(contactID) AND c.keep_in_touch IS NOT NULL
            """, logger: logger).wait().first else { return nil }
        let (name, cadence, last, owner) = try row.decode((String, String, Date, String).self)
        return (name, try Wait(parsing: cadence), last, owner)
    }

    private func insertKeepInTouch(_ connection: PostgresConnection, contactID: Int64, text: String, planned: PlannedTime,
                                   anchor: Date) throws -> Int64 {
        try connection.query("""
            INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, anchor_at, owner)
            VALUES (\(ReminderKind.keepInTouch.rawValue), \(text), \(planned.dueAt), \(planned.fireAt), \(planned.reason),
                    \(settings.node), \(contactID), \(anchor), (SELECT owner FROM contact WHERE id = \(contactID)))
            RETURNING id
            """, logger: logger).wait().first!.decode(Int64.self)
    }
}
