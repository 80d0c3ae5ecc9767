import Foundation
import GRDB
import RelanceCore

extension AppDatabase {
    /// Adds a reminder the user set for an explicit time.
    public func addReminder(text: String, dueAt: Date, contactID: Int64?) throws -> (Reminder, ScheduleChanges) {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ValidationError(field: "text", reason: "must not be empty") }
        try Validation.singleLine(text, field: "text")
        return try writer.write { db in
            if let contactID { _ = try Self.contact(db, id: contactID) }
            var reminder = ReminderRecord(id: nil, kind: .custom, text: text, contactId: contactID, outreachId: nil,
                                          dueAt: dueAt, state: .pending)
            try reminder.insert(db)
            return (reminder.model, ScheduleChanges(scheduled: [ScheduledReminder(id: reminder.id!, due: dueAt)]))
        }
    }

    /// Pending reminders, earliest first.
    public func upcoming(limit: Int) throws -> [Reminder] {
        try writer.read { db in
            try ReminderRecord.filter(Column("state") == ReminderState.pending)
                .order(Column("dueAt"), Column("id")).limit(limit).fetchAll(db).map(\.model)
        }
    }

    /// A reminder by id.
    public func reminder(id: Int64) throws -> Reminder? {
        try writer.read { db in try ReminderRecord.fetchOne(db, key: id)?.model }
    }

    /// Every pending reminder's id and due time, for the scheduler's heap.
    public func pendingDeadlines() throws -> [ScheduledReminder] {
        try writer.read { db in
            var result: [ScheduledReminder] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT id, dueAt FROM reminder WHERE state = 'pending'")
            while let row = try rows.next() {
                result.append(ScheduledReminder(id: row[0], due: Date(timeIntervalSince1970: row[1])))
            }
            return result
        }
    }

    /// Fires reminders: each still-pending one becomes fired and its inbox item is
    /// inserted (or, for a snooze, its item comes back) in ONE transaction. A reminder
    /// that is no longer pending is skipped, so nothing is ever fired twice.
    /// - Parameter late: true for the catch-up after downtime.
    public func fire(_ due: [ScheduledReminder], at now: Date, late: Bool) throws -> [InboxItem] {
        guard !due.isEmpty else { return [] }
        return try writer.write { db in
            var items: [InboxItem] = []
            for entry in due {
                let fired = try ReminderRecord.fetchOne(db, sql: """
                    UPDATE reminder SET state = 'fired', firedAt = ?
                    WHERE id = ? AND state = 'pending' RETURNING *
                    """, arguments: [now.timeIntervalSince1970, entry.id])
                guard let reminder = fired else { continue }
                if let inboxID = reminder.resurfacesInboxId, var item = try InboxItemRecord.fetchOne(db, key: inboxID) {
                    item.state = .unread
                    item.snoozedUntil = nil
                    item.dueAt = reminder.dueAt
                    item.firedAt = now
                    item.late = late
                    try item.update(db)
                    items.append(item.model)
                } else {
                    var item = InboxItemRecord(id: nil, reminderId: reminder.id!, kind: reminder.kind, text: reminder.text,
                                               contactId: reminder.contactId, outreachId: reminder.outreachId,
                                               dueAt: reminder.dueAt, firedAt: now, late: late, state: .unread)
                    try item.insert(db)
                    items.append(item.model)
                }
            }
            return items
        }
    }

    /// Row counts for `Status`. Counting pending reminders scans their index (tens of
    /// milliseconds at a million); the daemon asks its scheduler instead.
    public func counts(includingPending: Bool = true) throws -> StoreCounts {
        try writer.read { db in
            StoreCounts(
                contacts: try ContactRecord.fetchCount(db),
                outreachAwaitingReply: try OutreachRecord.filter(Column("status") == OutreachStatus.awaitingReply).fetchCount(db),
                pendingReminders: includingPending
                    ? try ReminderRecord.filter(Column("state") == ReminderState.pending).fetchCount(db) : 0,
                unread: try InboxItemRecord.filter(Column("state") == InboxState.unread).fetchCount(db))
        }
    }
}

extension AppDatabase {
    /// Adds many explicit-time reminders in one transaction (imports, benchmarks).
    public func addReminders(_ reminders: [(text: String, dueAt: Date)]) throws -> ScheduleChanges {
        for (index, reminder) in reminders.enumerated() {
            try Validation.singleLine(reminder.text, field: "reminders[\(index)].text")
        }
        return try writer.write { db in
            var scheduled: [ScheduledReminder] = []
            scheduled.reserveCapacity(reminders.count)
            for reminder in reminders {
                var record = ReminderRecord(id: nil, kind: .custom, text: reminder.text, contactId: nil, outreachId: nil,
                                            dueAt: reminder.dueAt, state: .pending)
                try record.insert(db)
                scheduled.append(ScheduledReminder(id: record.id!, due: reminder.dueAt))
            }
            return ScheduleChanges(scheduled: scheduled)
        }
    }
}
