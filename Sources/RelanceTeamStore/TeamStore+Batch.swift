import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

extension TeamStore {
    /// Adds many reminders set for explicit times in ONE transaction, all or none
    /// (`RemindMany`), owned by `owner` as `addReminder` would make each. A text that is
    /// not one line, or a contact that no longer exists, throws before anything is
    /// written, naming the item ("reminders[3].contact"). Returns their ids in the
    /// order given; every node hears of them through the reminder table's announcement.
    public func addReminders(_ reminders: [(text: String, dueAt: Date, contactID: Int64?)],
                             owner: String?) throws -> [Int64] {
        let texts = try reminders.enumerated().map { index, reminder in
            try ReminderBatch.text(reminder.text, field: ReminderBatch.field(index, "text"))
        }
        let dues = reminders.map(\.dueAt)
        // No array of optionals in the protocol: 0, which no contact has, stands for none.
        let contactIDs = reminders.map { $0.contactID ?? 0 }
        let ids = try transaction { connection in
            let wanted = Array(Set(contactIDs.filter { $0 != 0 }))
            if !wanted.isEmpty {
                // Locked so a removal cannot slip in between this check and the insert.
                let known = Set(try connection.query("SELECT id FROM contact WHERE id = ANY(\(wanted)) FOR SHARE",
                                                     logger: logger).wait().map { try $0.decode(Int64.self) })
                if let index = contactIDs.firstIndex(where: { $0 != 0 && !known.contains($0) }) {
                    throw ValidationError(field: ReminderBatch.field(index, "contact"),
                                          reason: "no contact has id \(contactIDs[index])")
                }
            }
            // One statement for the whole batch; the rows go in in the order given, so the
            // sequence hands out ascending ids in that order.
            return try connection.query("""
                INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, owner)
                SELECT \(ReminderKind.custom.rawValue), item.text, item.due, item.due, \(Self.setByYou), \(settings.node),
                       NULLIF(item.contact, 0), \(owner)
                FROM unnest(\(texts)::text[], \(dues)::timestamptz[], \(contactIDs)::bigint[])
                     WITH ORDINALITY AS item(text, due, contact, position)
                ORDER BY item.position
                RETURNING id
                """, logger: logger).wait().map { try $0.decode(Int64.self) }.sorted()
        }
        listener.tellLocally(ScheduleChanges(scheduled: zip(ids, dues).map { ScheduledReminder(id: $0, due: $1) }))
        return ids
    }
}
