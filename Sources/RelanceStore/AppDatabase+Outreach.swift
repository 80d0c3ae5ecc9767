import Foundation
import GRDB
import RelanceCore

extension AppDatabase {
    /// Records an ask sent to a contact and schedules the first step of its follow-up
    /// sequence, in one transaction.
    public func logOutreach(contactID: Int64, channel: String, ask: String, sentAt: Date, policy: FollowUpPolicy,
                            rules: TimingRules, messageID: String? = nil) throws -> (Outreach, Reminder?, ScheduleChanges) {
        let messageID = try FollowUpStep.validateNewOutreach(channel: channel, ask: ask, messageID: messageID, policy: policy)
        return try writer.write { db in
            _ = try Self.contact(db, id: contactID)
            var outreach = OutreachRecord(id: nil, contactId: contactID, channel: channel, ask: ask, sentAt: sentAt,
                                          status: .awaitingReply, followUpDelay: policy.wait(forStep: 0)!.description,
                                          closedAt: nil, policy: policy, followUpsSent: 0, lastFollowUpAt: nil,
                                          messageId: messageID)
            try outreach.insert(db)
            var changes = try Self.recordInteraction(db, contactID: contactID, outreachID: outreach.id, kind: .outreach,
                                                     at: sentAt, note: nil, rules: rules)
            let reminder = try Self.scheduleStep(db, outreach: outreach, step: 0, anchor: sentAt, rules: rules)
            if let reminder { changes.scheduled.append(reminder.scheduled) }
            return (outreach.model, reminder?.model, changes)
        }
    }

    /// You sent a follow-up: the sequence moves to its next step, counted from `at`.
    public func logFollowUp(outreachID: Int64, at date: Date, note: String?, rules: TimingRules) throws -> (Outreach, Reminder?, ScheduleChanges) {
        if let note { try Validation.singleLine(note, field: "note") }
        return try writer.write { db in
            guard var outreach = try OutreachRecord.fetchOne(db, key: outreachID) else { throw StoreError.outreachNotFound(id: outreachID) }
            guard outreach.status == .awaitingReply else {
                throw StoreError.nothingToFollowUp(outreachID: outreachID, status: outreach.status)
            }
            outreach.followUpsSent += 1
            outreach.lastFollowUpAt = date
            try outreach.update(db)
            var changes = ScheduleChanges(cancelled: try Self.cancelSequence(db, outreachID: outreachID))
            changes.merge(try Self.recordInteraction(db, contactID: outreach.contactId, outreachID: outreachID,
                                                     kind: .followUp, at: date, note: note, rules: rules))
            let step = FollowUpStep.stepAfterFollowUp(outreach.followUpsSent, policy: outreach.policy)
            let reminder = try Self.scheduleStep(db, outreach: outreach, step: step, anchor: date, rules: rules)
            if let reminder { changes.scheduled.append(reminder.scheduled) }
            return (outreach.model, reminder?.model, changes)
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

    /// One outreach.
    public func outreach(id: Int64) throws -> Outreach {
        try writer.read { db in
            guard let record = try OutreachRecord.fetchOne(db, key: id) else { throw StoreError.outreachNotFound(id: id) }
            return record.model
        }
    }

    /// Records how an outreach ended and cancels its pending follow-ups, in one
    /// transaction. An auto-reply or a bounce is recorded but is no reply: the sequence
    /// goes on. With `meeting`, the meeting and its reminders are created too.
    public func recordReply(outreachID: Int64, outcome: ReplyOutcome, at date: Date, meeting: MeetingDraft? = nil,
                            rules: TimingRules, now: Date) throws -> (Outreach, Meeting?, ScheduleChanges) {
        try writer.write { db in
            guard var outreach = try OutreachRecord.fetchOne(db, key: outreachID) else {
                throw StoreError.outreachNotFound(id: outreachID)
            }
            guard let status = outcome.status else {
                var interaction = InteractionRecord(id: nil, contactId: outreach.contactId, outreachId: outreachID,
                                                    kind: outcome.rawValue, at: date, note: nil)
                try interaction.insert(db)
                return (outreach.model, nil, ScheduleChanges())
            }
            outreach.status = status
            outreach.closedAt = date
            try outreach.update(db)
            var changes = ScheduleChanges(cancelled: try Self.cancelSequence(db, outreachID: outreachID))
            changes.merge(try Self.recordInteraction(db, contactID: outreach.contactId, outreachID: outreachID,
                                                     kind: .reply, at: date, note: outcome.rawValue, rules: rules))
            var meetingModel: Meeting?
            if let meeting {
                var draft = meeting
                draft.contactID = outreach.contactId
                draft.outreachID = outreachID
                let (created, meetingChanges) = try Self.addMeeting(db, draft, rules: rules, now: now)
                meetingModel = created
                changes.merge(meetingChanges)
            }
            return (outreach.model, meetingModel, changes)
        }
    }

    static func cancelSequence(_ db: Database, outreachID: Int64) throws -> [Int64] {
        let cancelled = try Int64.fetchAll(db, sql: """
            UPDATE reminder SET state = \(ReminderState.cancelled.sql)
            WHERE outreachId = ? AND kind IN \([ReminderKind.followUp, .letGo].sqlList) AND state = \(ReminderState.pending.sql) RETURNING id
            """, arguments: [outreachID])
        // A snoozed nudge's comeback goes with the sequence (a reply, a follow-up logged, a
        // withdrawal made it moot): its item is dismissed, not left snoozed for ever.
        try db.execute(sql: """
            UPDATE inboxItem SET state = \(InboxState.dismissed.sql), snoozedUntil = NULL
            WHERE state = \(InboxState.snoozed.sql)
              AND id IN (SELECT resurfacesInboxId FROM reminder WHERE id IN (SELECT value FROM json_each(?)))
            """, arguments: [cancelled.json])
        return cancelled
    }

    /// Inserts the reminder for `step` of the outreach's sequence (nil past the end).
    static func scheduleStep(_ db: Database, outreach: OutreachRecord, step: Int, anchor: Date,
                             rules: TimingRules) throws -> ReminderRecord? {
        let contact = try contact(db, id: outreach.contactId)
        guard let planned = FollowUpStep.plan(step: step, outreach: outreach.model, contact: contact, anchor: anchor,
                                              rules: rules) else { return nil }
        var reminder = ReminderRecord(kind: planned.kind, text: planned.text, contactId: contact.id,
                                      outreachId: outreach.id, planned: planned.planned, anchorAt: anchor, step: step)
        try reminder.insert(db)
        return reminder
    }
}

/// What to change in an outreach: nil fields stay.
public struct OutreachEdit: Sendable, Equatable {
    public var ask: String?
    public var channel: String?
    public var sentAt: Date?
    /// The whole new sequence (already resolved against the old one).
    public var policy: FollowUpPolicy?

    public init(ask: String? = nil, channel: String? = nil, sentAt: Date? = nil, policy: FollowUpPolicy? = nil) {
        self.ask = ask; self.channel = channel; self.sentAt = sentAt; self.policy = policy
    }

    /// Refuses what no outreach may be given: an empty or multi-line ask, a multi-line
    /// channel, a sequence without a step.
    public func validate() throws {
        if let channel { try Validation.singleLine(channel, field: "channel") }
        if let ask {
            guard !ask.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError(field: "ask", reason: "say what you asked for, e.g. \"a 20-minute coffee chat\"")
            }
            try Validation.singleLine(ask, field: "ask")
        }
        if let policy, policy.stepCount == 0 {
            throw ValidationError(field: "policy", reason: "needs at least one step")
        }
    }

    /// Refuses a send time after the outreach's last follow-up.
    public func validate(lastFollowUpAt last: Date?) throws {
        if let sentAt, let last, sentAt > last {
            throw ValidationError(field: "sentAt", reason: "must not be after your last follow-up (\(last))")
        }
    }

    /// The fields given, for a person: "ask, sent time".
    public var fieldNames: [String] {
        [(ask, "ask"), (channel, "channel")].compactMap { $0.0 == nil ? nil : $0.1 }
            + (sentAt == nil ? [] : ["sent time"]) + (policy == nil ? [] : ["follow-up sequence"])
    }
}

/// What correcting an outreach did.
public struct OutreachCorrection: Sendable {
    public var outreach: Outreach
    /// Pending follow-up or let-go reminders cancelled.
    public var cancelled: Int
    /// The sequence's pending reminder now, if any.
    public var next: Reminder?
    public var changes: ScheduleChanges
}

extension AppDatabase {
    /// Corrects an outreach and re-plans its pending follow-up in ONE transaction: the
    /// step it is at is kept (`Corrections.pendingStep`), re-counted from the new send
    /// time when it counted from the send time, and worded with the new ask.
    public func updateOutreach(outreachID: Int64, edit: OutreachEdit, rules: TimingRules) throws -> OutreachCorrection {
        try edit.validate()
        return try writer.write { db in
            guard var outreach = try OutreachRecord.fetchOne(db, key: outreachID) else {
                throw StoreError.outreachNotFound(id: outreachID)
            }
            let oldSentAt = outreach.sentAt
            try edit.validate(lastFollowUpAt: outreach.lastFollowUpAt)
            outreach.ask = edit.ask ?? outreach.ask
            outreach.channel = edit.channel ?? outreach.channel
            outreach.sentAt = edit.sentAt ?? outreach.sentAt
            if let policy = edit.policy {
                outreach.policy = policy
                outreach.followUpDelay = policy.wait(forStep: 0)!.description
            }
            try outreach.update(db)
            var changes = ScheduleChanges()
            if let sentAt = edit.sentAt, sentAt != oldSentAt {
                try db.execute(sql: "UPDATE interaction SET at = ? WHERE outreachId = ? AND kind = ? AND at = ?",
                               arguments: [sentAt.timeIntervalSince1970, outreachID, InteractionKind.outreach.rawValue,
                                           oldSentAt.timeIntervalSince1970])
                changes.merge(try Self.planKeepInTouch(db, contactID: outreach.contactId, rules: rules))
            }
            var next: ReminderRecord?
            var sequenceCancelled: [Int64] = []
            let replans = edit.ask != nil || edit.sentAt != nil || edit.policy != nil
            if replans, outreach.status == .awaitingReply,
               let pending = try ReminderRecord.filter(Column("outreachId") == outreachID && Column("state") == ReminderState.pending
                                                      && [ReminderKind.followUp, .letGo].contains(Column("kind")))
                   .order(Column("step").desc).fetchOne(db), let step = pending.step, let anchor = pending.anchorAt {
                sequenceCancelled = try Self.cancelSequence(db, outreachID: outreachID)
                changes.cancelled += sequenceCancelled
                if let resumed = Corrections.pendingStep(step: step, anchor: anchor, oldSentAt: oldSentAt,
                                                         newSentAt: outreach.sentAt, policy: outreach.policy) {
                    next = try Self.scheduleStep(db, outreach: outreach, step: resumed.step, anchor: resumed.anchor, rules: rules)
                    if let next { changes.scheduled.append(next.scheduled) }
                }
            } else if outreach.status == .awaitingReply {
                next = try ReminderRecord.filter(Column("outreachId") == outreachID && Column("state") == ReminderState.pending
                                                 && [ReminderKind.followUp, .letGo].contains(Column("kind"))).fetchOne(db)
            }
            return OutreachCorrection(outreach: outreach.model, cancelled: sequenceCancelled.count, next: next?.model, changes: changes)
        }
    }

    /// Withdraws an outreach awaiting a reply, in ONE transaction: it becomes
    /// `withdrawn` as of `at` and its pending follow-up and let-go reminders are
    /// cancelled. It stays in the history.
    public func cancelOutreach(outreachID: Int64, at date: Date) throws -> OutreachCorrection {
        try writer.write { db in
            guard var outreach = try OutreachRecord.fetchOne(db, key: outreachID) else {
                throw StoreError.outreachNotFound(id: outreachID)
            }
            guard outreach.status == .awaitingReply else {
                throw StoreError.cannotWithdraw(outreachID: outreachID, status: outreach.status)
            }
            outreach.status = .withdrawn
            outreach.closedAt = date
            try outreach.update(db)
            let cancelled = try Self.cancelSequence(db, outreachID: outreachID)
            return OutreachCorrection(outreach: outreach.model, cancelled: cancelled.count, next: nil,
                                      changes: ScheduleChanges(cancelled: cancelled))
        }
    }
}
