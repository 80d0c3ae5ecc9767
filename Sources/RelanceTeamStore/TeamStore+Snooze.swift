import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// Snoozing on a team node (issue #16), with the personal store's meaning
/// (`AppDatabase.snooze`): the item hides until a time, then comes back unread, the same
/// item, exactly once, on whichever node fires its comeback reminder (`fireDue` turns
/// that row unread again and queues new jobs to the item's owner's channels).
///
/// Locks, in the firing's order (`TeamStore+Firing`): the comeback reminder's row, then
/// the item's. A comeback being fired finishes first; the snooze then finds it fired.
extension TeamStore {
    /// Hides the item until `until` for every node, in one transaction: its pending
    /// comeback (an earlier snooze) and its jobs still waiting are cancelled, and a
    /// reminder is planned at `until` to bring it back. The comeback is owned as the item's
    /// reminder was, so it reaches the same person. An item done or dismissed, an unknown
    /// one, another team user's than `user` (nil: anyone may), or a time not after `now`
    /// is refused, changing nothing.
    public func snooze(inboxID: Int64, until: Date, now: Date, by user: String? = nil) throws -> InboxItem {
        guard until > now else { throw ValidationError(field: "until", reason: "must be in the future") }
        let (item, changes) = try transaction { connection in
            try checkOwner(connection, of: [inboxID], user: user, doing: "snooze it")
            let cancelled = try cancelResurfacing(connection, inboxID: inboxID)
            guard let row = try connection.query("SELECT state FROM inbox_item WHERE id = \(inboxID) FOR UPDATE",
                                                 logger: logger).wait().first
            else { throw StoreError.inboxItemNotFound(id: inboxID) }
            let state = InboxState(rawValue: try row.decode(String.self)) ?? .unread
            guard state != .done, state != .dismissed else { throw StoreError.cannotSnooze(inboxID: inboxID, state: state) }
            // Its deliveries wait until it comes back (the comeback's firing makes new ones).
            try run(connection, "UPDATE outbox SET state = 'cancelled' WHERE inbox_item_id = \(inboxID) AND state = 'pending'")
            let item = try Self.inboxItem(try connection.query("""
                UPDATE inbox_item SET state = \(InboxState.snoozed.rawValue), snoozed_until = \(until) WHERE id = \(inboxID)
                RETURNING \(unescaped: Self.inboxColumns)
                """, logger: logger).wait().first!)
            // Not tied to the item's outreach: the comeback is no step of its sequence
            // (a reply or re-planning leaves it alone); its contact is kept for `Upcoming`.
            let comeback = try connection.query("""
                INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, owner, resurfaces_inbox_id)
                SELECT i.kind, i.text, \(until), \(until), 'snoozed', \(settings.node), r.contact_id, r.owner, i.id
                FROM inbox_item i JOIN reminder r ON r.id = i.reminder_id WHERE i.id = \(inboxID)
                RETURNING id
                """, logger: logger).wait().first!.decode(Int64.self)
            return (item, ScheduleChanges(scheduled: [ScheduledReminder(id: comeback, due: until)], cancelled: cancelled))
        }
        listener.tellLocally(changes)
        return item
    }

    /// Cancels the item's pending comeback, if any, in the caller's transaction; its id.
    func cancelResurfacing(_ connection: PostgresConnection, inboxID: Int64) throws -> [Int64] {
        try connection.query("""
            UPDATE reminder SET state = 'cancelled' WHERE resurfaces_inbox_id = \(inboxID) AND state = 'pending' RETURNING id
            """, logger: logger).wait().map { try $0.decode(Int64.self) }
    }
}
