import Foundation
import GRDB
import RelanceCore

extension AppDatabase {
    /// Inbox items, newest first.
    public func inbox(_ filter: InboxFilter, limit: Int = 1000, since: Date? = nil) throws -> [InboxItem] {
        try writer.read { db in
            var request = InboxItemRecord.order(Column("firedAt").desc, Column("id").desc).limit(limit)
            if let since { request = request.filter(Column("firedAt") >= since.timeIntervalSince1970) }
            switch filter {
            case .open: request = request.filter([InboxState.unread, .read].contains(Column("state")))
            case .unread: request = request.filter(Column("state") == InboxState.unread)
            case .all: break
            }
            return try request.fetchAll(db).map(\.model)
        }
    }

    /// Marks unread items read; read, done or dismissed ones are left as they are.
    public func markRead(ids: [Int64]) throws -> [InboxItem] {
        try writer.write { db in
            try ids.map { id in
                var item = try Self.inboxItem(db, id: id)
                if item.state == .unread {
                    item.state = .read
                    try item.update(db)
                }
                return item.model
            }
        }
    }

    /// Done (dealt with) or dismissed (not relevant): closes the item and cancels a
    /// pending snooze. The same operation whichever door it comes from.
    public func close(inboxID: Int64, as state: InboxState) throws -> (InboxItem, ScheduleChanges) {
        precondition(state == .done || state == .dismissed)
        return try writer.write { db in
            var item = try Self.inboxItem(db, id: inboxID)
            item.state = state
            item.snoozedUntil = nil
            try item.update(db)
            // Dealt with: nothing more goes out about it (a popup still up is withdrawn
            // by the delivery service).
            try Self.cancelPendingDeliveries(db, inboxItemID: inboxID)
            let cancelled = try Self.cancelResurfacing(db, inboxID: inboxID)
            return (item.model, ScheduleChanges(cancelled: cancelled))
        }
    }

    /// Hides the item until `until`, when it comes back unread exactly once. Snoozing
    /// again replaces the earlier snooze; an item done or dismissed is refused (snoozing
    /// it would bring a closed item back), changing nothing.
    public func snooze(inboxID: Int64, until: Date) throws -> (InboxItem, ScheduleChanges) {
        try writer.write { db in
            var item = try Self.inboxItem(db, id: inboxID)
            guard item.state != .done, item.state != .dismissed else {
                throw StoreError.cannotSnooze(inboxID: inboxID, state: item.state)
            }
            let cancelled = try Self.cancelResurfacing(db, inboxID: inboxID)
            // Its deliveries wait until it comes back (the resurfacing firing makes new ones).
            try Self.cancelPendingDeliveries(db, inboxItemID: inboxID)
            item.state = .snoozed
            item.snoozedUntil = until
            try item.update(db)
            var reminder = ReminderRecord(kind: item.kind, text: item.text, contactId: item.contactId,
                                          outreachId: item.outreachId,
                                          planned: PlannedTime(dueAt: until, fireAt: until, reason: "snoozed"),
                                          resurfacesInboxId: inboxID)
            try reminder.insert(db)
            return (item.model, ScheduleChanges(scheduled: [reminder.scheduled], cancelled: cancelled))
        }
    }

    /// An inbox item by id.
    public func inboxItem(id: Int64) throws -> InboxItem {
        try writer.read { db in try Self.inboxItem(db, id: id).model }
    }

    static func inboxItem(_ db: Database, id: Int64) throws -> InboxItemRecord {
        guard let item = try InboxItemRecord.fetchOne(db, key: id) else { throw StoreError.inboxItemNotFound(id: id) }
        return item
    }

    static func cancelResurfacing(_ db: Database, inboxID: Int64) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            UPDATE reminder SET state = \(ReminderState.cancelled.sql)
            WHERE resurfacesInboxId = ? AND state = \(ReminderState.pending.sql) RETURNING id
            """, arguments: [inboxID])
    }
}
