import Foundation
import GRDB
import RelanceCore

extension AppDatabase {
    /// Adds a reminder the user set for an explicit time: it fires at that time.
    public func addReminder(text: String, dueAt: Date, contactID: Int64?) throws -> (Reminder, ScheduleChanges) {
        let text = try Self.validReminderText(text)
        return try writer.write { db in
            if let contactID { _ = try Self.contact(db, id: contactID) }
            var reminder = ReminderRecord(kind: .custom, text: text, contactId: contactID,
                                          planned: Self.explicit(dueAt))
            try reminder.insert(db)
            return (reminder.model, ScheduleChanges(scheduled: [reminder.scheduled]))
        }
    }

    /// Adds many explicit-time reminders in one transaction (imports, benchmarks).
    public func addReminders(_ reminders: [(text: String, dueAt: Date)]) throws -> ScheduleChanges {
        let texts = try reminders.map { try Self.validReminderText($0.text) }
        return try writer.write { db in
            var scheduled: [ScheduledReminder] = []
            scheduled.reserveCapacity(reminders.count)
            for (text, reminder) in zip(texts, reminders) {
                var record = ReminderRecord(kind: .custom, text: text, planned: Self.explicit(reminder.dueAt))
                try record.insert(db)
                scheduled.append(record.scheduled)
            }
            return ScheduleChanges(scheduled: scheduled)
        }
    }

    static func explicit(_ date: Date) -> PlannedTime {
        PlannedTime(dueAt: date, fireAt: date, reason: "set by you")
    }

    static func validReminderText(_ text: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError(field: "text", reason: "must not be empty") }
        try Validation.singleLine(trimmed, field: "text")
        return trimmed
    }

    /// Pending reminders in firing order.
    public func upcoming(limit: Int, before: Date? = nil) throws -> [Reminder] {
        try writer.read { db in
            var request = ReminderRecord.filter(Column("state") == ReminderState.pending)
            if let before { request = request.filter(Column("fireAt") < before.timeIntervalSince1970) }
            return try request.order(Column("fireAt"), Column("id")).limit(limit).fetchAll(db).map(\.model)
        }
    }

    /// A reminder by id.
    public func reminder(id: Int64) throws -> Reminder? {
        try writer.read { db in try ReminderRecord.fetchOne(db, key: id)?.model }
    }

    /// Every pending reminder's id and firing time, for the scheduler's heap.
    public func pendingDeadlines() throws -> [ScheduledReminder] {
        try writer.read { db in
            var result: [ScheduledReminder] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT id, fireAt FROM reminder WHERE state = 'pending'")
            while let row = try rows.next() {
                result.append(ScheduledReminder(id: row[0], due: Date(timeIntervalSince1970: row[1])))
            }
            return result
        }
    }

    /// What firing did: the inbox items, the follow-on reminders, and the events whose
    /// next occurrences may need materialising.
    public struct Firing: Sendable {
        public var items: [InboxItem] = []
        public var changes = ScheduleChanges()
        public var eventIDs: Set<Int64> = []
    }

    /// Fires reminders: each still-pending one becomes fired and its inbox item is
    /// inserted (or, for a snooze, its item comes back) in ONE transaction, together with
    /// what follows from it (the next follow-up step, the let-go's *no reply*, the next
    /// keep-in-touch). A reminder no longer pending is skipped: nothing fires twice.
    /// - Parameter late: true for the catch-up after downtime.
    /// - Parameter channels: the delivery channels enabled; one outbox job each per item.
    public func fire(_ due: [ScheduledReminder], at now: Date, late: Bool, rules: TimingRules,
                     channels: [String] = []) throws -> Firing {
        guard !due.isEmpty else { return Firing() }
        return try writer.write { db in
            var firing = Firing()
            var firedReminderIDs: [Int64] = []
            for entry in due {
                let fired = try ReminderRecord.fetchOne(db, sql: """
                    UPDATE reminder SET state = 'fired', firedAt = ?
                    WHERE id = ? AND state = 'pending' RETURNING *
                    """, arguments: [now.timeIntervalSince1970, entry.id])
                guard let reminder = fired else { continue }
                firing.items.append(try Self.inboxItem(db, for: reminder, at: now, late: late))
                firedReminderIDs.append(reminder.id!)
                firing.changes.merge(try Self.followOn(db, after: reminder, rules: rules))
                if let eventID = reminder.eventId { firing.eventIDs.insert(eventID) }
            }
            try Self.enqueueDeliveries(db, items: firing.items, reminderIDs: firedReminderIDs, channels: channels, at: now)
            return firing
        }
    }

    private static func inboxItem(_ db: Database, for reminder: ReminderRecord, at now: Date, late: Bool) throws -> InboxItem {
        if let inboxID = reminder.resurfacesInboxId, var item = try InboxItemRecord.fetchOne(db, key: inboxID) {
            item.state = .unread
            item.snoozedUntil = nil
            item.dueAt = reminder.dueAt
            item.firedAt = now
            item.late = late
            try item.update(db)
            return item.model
        }
        var item = InboxItemRecord(id: nil, reminderId: reminder.id!, kind: reminder.kind, text: reminder.text,
                                   contactId: reminder.contactId, outreachId: reminder.outreachId,
                                   dueAt: reminder.dueAt, firedAt: now, late: late, state: .unread)
        try item.insert(db)
        return item.model
    }

    /// What a fired reminder sets in motion.
    private static func followOn(_ db: Database, after reminder: ReminderRecord, rules: TimingRules) throws -> ScheduleChanges {
        guard reminder.resurfacesInboxId == nil else { return ScheduleChanges() }
        switch reminder.kind {
        case .followUp:
            // Ignored nudges still lead on: the next step counts from this one's due time.
            guard let outreachID = reminder.outreachId, let step = reminder.step,
                  let outreach = try OutreachRecord.fetchOne(db, key: outreachID), outreach.status == .awaitingReply,
                  try !Self.hasPendingSequence(db, outreachID: outreachID),
                  let next = try scheduleStep(db, outreach: outreach, step: step + 1, anchor: reminder.dueAt, rules: rules)
            else { return ScheduleChanges() }
            return ScheduleChanges(scheduled: [next.scheduled])
        case .letGo:
            if let outreachID = reminder.outreachId, var outreach = try OutreachRecord.fetchOne(db, key: outreachID),
               outreach.status == .awaitingReply {
                outreach.status = .noReply
                outreach.closedAt = reminder.dueAt
                try outreach.update(db)
            }
            return ScheduleChanges()
        case .keepInTouch:
            // Still nothing: remind again a cadence later.
            guard let contactID = reminder.contactId, let contact = try ContactRecord.fetchOne(db, key: contactID),
                  let cadence = contact.keepInTouch else { return ScheduleChanges() }
            var next = ReminderRecord(kind: .keepInTouch, text: reminder.text, contactId: contactID,
                                      planned: Planner.keepInTouch(lastInteraction: reminder.dueAt, cadence: cadence, rules: rules),
                                      anchorAt: reminder.dueAt)
            try next.insert(db)
            return ScheduleChanges(scheduled: [next.scheduled])
        default:
            return ScheduleChanges()
        }
    }

    static func hasPendingSequence(_ db: Database, outreachID: Int64) throws -> Bool {
        try ReminderRecord.filter(Column("outreachId") == outreachID && Column("state") == ReminderState.pending
                                  && [ReminderKind.followUp, .letGo].contains(Column("kind"))).fetchCount(db) > 0
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
