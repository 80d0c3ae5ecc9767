import Foundation
import GRDB
import RelanceCore

extension AppDatabase {
    /// Records an ask sent to a contact and schedules its follow-up, in one transaction.
    public func logOutreach(contactID: Int64, channel: String, ask: String, sentAt: Date,
                            policy: FollowUpPolicy, timeZone: TimeZone) throws -> (Outreach, Reminder, ScheduleChanges) {
        try Validation.singleLine(channel, field: "channel")
        guard !ask.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError(field: "ask", reason: "say what you asked for, e.g. \"a 20-minute coffee chat\"")
        }
        try Validation.singleLine(ask, field: "ask")
        return try writer.write { db in
            let contact = try Self.contact(db, id: contactID)
            var outreach = OutreachRecord(id: nil, contactId: contactID, channel: channel, ask: ask, sentAt: sentAt,
                                          status: .awaitingReply, followUpDelay: policy.delay.description)
            try outreach.insert(db)
            var reminder = ReminderRecord(
                id: nil, kind: .followUp,
                text: FollowUpPolicy.reminderText(contactName: contact.name, ask: ask, sentAt: sentAt, timeZone: timeZone),
                contactId: contactID, outreachId: outreach.id,
                dueAt: policy.followUpDue(sentAt: sentAt, timeZone: timeZone), state: .pending)
            try reminder.insert(db)
            let changes = ScheduleChanges(scheduled: [ScheduledReminder(id: reminder.id!, due: reminder.dueAt)])
            return (outreach.model, reminder.model, changes)
        }
    }

    /// Outreach attempts, newest first, optionally for one contact or in one status.
    public func outreaches(contactID: Int64? = nil, status: OutreachStatus? = nil) throws -> [Outreach] {
        try writer.read { db in
            var request = OutreachRecord.order(Column("sentAt").desc, Column("id").desc)
            if let contactID { request = request.filter(Column("contactId") == contactID) }
            if let status { request = request.filter(Column("status") == status) }
            return try request.fetchAll(db).map(\.model)
        }
    }

    /// Records how an outreach ended and cancels its pending follow-ups, in one transaction.
    public func recordReply(outreachID: Int64, outcome: ReplyOutcome, at date: Date) throws -> (Outreach, ScheduleChanges) {
        try writer.write { db in
            guard var outreach = try OutreachRecord.fetchOne(db, key: outreachID) else {
                throw StoreError.outreachNotFound(id: outreachID)
            }
            outreach.status = outcome.status
            outreach.closedAt = date
            try outreach.update(db)
            let cancelled = try Int64.fetchAll(db, sql: """
                UPDATE reminder SET state = 'cancelled'
                WHERE outreachId = ? AND state = 'pending' RETURNING id
                """, arguments: [outreachID])
            return (outreach.model, ScheduleChanges(cancelled: cancelled))
        }
    }
}
