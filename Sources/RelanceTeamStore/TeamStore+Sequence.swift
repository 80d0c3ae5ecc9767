import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// An outreach's follow-up sequence in the team store: the user's own moves (a
/// follow-up sent, a withdrawal), and the steps every write plans with `FollowUpStep`,
/// the personal store's rule (issue #16).
///
/// Only the outreach's author may log a follow-up to it or withdraw it: the thread and
/// its nudges are theirs (a teammate who writes to the same person logs their own
/// outreach, with `anyway`). Anyone in the team may record a reply, which may reach any
/// of them.
extension TeamStore {
    /// `by` sent a follow-up at `date`: the sequence moves to its next step, counted from
    /// then, in one transaction; the outreach and that step's reminder (nil past the end).
    public func logFollowUp(outreachID: Int64, by user: String, at date: Date, note: String?,
                            rules: TimingRules) throws -> (TeamOutreach, Reminder?) {
        if let note { try Validation.singleLine(note, field: "note") }
        let (outreach, reminder, changes) = try transaction { connection in
            try lockSequence(connection, outreachID: outreachID)
            let current = try self.outreach(connection, id: outreachID, locked: true)
            try Self.mustBeAuthor(current, user, "log a follow-up to it")
            guard current.outreach.status == .awaitingReply else {
                throw StoreError.nothingToFollowUp(outreachID: outreachID, status: current.outreach.status)
            }
            try run(connection, """
                UPDATE outreach SET follow_ups_sent = follow_ups_sent + 1, last_follow_up_at = \(date) WHERE id = \(outreachID)
                """)
            var changes = ScheduleChanges(cancelled: try cancelSequence(connection, outreachID: outreachID))
            changes.merge(try recordInteraction(connection, contactID: current.outreach.contactID, outreachID: outreachID,
                                                kind: .followUp, at: date, note: note, by: user, rules: rules))
            let updated = try self.outreach(connection, id: outreachID)
            let step = FollowUpStep.stepAfterFollowUp(updated.outreach.followUpsSent, policy: updated.outreach.policy)
            let reminder = try scheduleStep(connection, outreach: updated.outreach, step: step, anchor: date, rules: rules)
            if let reminder { changes.scheduled.append(ScheduledReminder(id: reminder.id, due: reminder.fireAt)) }
            return (updated, reminder, changes)
        }
        listener.tellLocally(changes)
        return (outreach, reminder)
    }

    /// `by` withdraws their outreach awaiting a reply, in one transaction: it becomes
    /// `withdrawn` as of `date` and its pending follow-up and let-go reminders are
    /// cancelled (their ids). It stays in the history.
    public func cancelOutreach(outreachID: Int64, by user: String, at date: Date) throws -> (TeamOutreach, cancelled: [Int64]) {
        let (outreach, cancelled) = try transaction { connection in
            try lockSequence(connection, outreachID: outreachID)
            let current = try self.outreach(connection, id: outreachID, locked: true)
            try Self.mustBeAuthor(current, user, "withdraw it")
            guard current.outreach.status == .awaitingReply else {
                throw StoreError.cannotWithdraw(outreachID: outreachID, status: current.outreach.status)
            }
            try run(connection, """
                UPDATE outreach SET status = \(OutreachStatus.withdrawn.rawValue), closed_at = \(date) WHERE id = \(outreachID)
                """)
            let cancelled = try cancelSequence(connection, outreachID: outreachID)
            return (try self.outreach(connection, id: outreachID), cancelled)
        }
        if !cancelled.isEmpty { listener.tellLocally(ScheduleChanges(cancelled: cancelled)) }
        return (outreach, cancelled)
    }

    /// `by` corrects their outreach (ask, channel, send time, sequence) and its pending
    /// step is planned again, in one transaction: the step it is at is kept
    /// (`Corrections.pendingStep`), re-counted from the new send time or sequence, as on
    /// the personal store. The outreach, the cancelled reminders' ids, and the sequence's
    /// pending reminder now.
    public func updateOutreach(outreachID: Int64, by user: String, edit: OutreachEdit,
                               rules: TimingRules) throws -> (TeamOutreach, cancelled: [Int64], next: Reminder?) {
        try edit.validate()
        let policyJSON = try edit.policy.map(Self.json)
        let (outreach, cancelled, next) = try transaction { connection in
            try lockSequence(connection, outreachID: outreachID)
            let current = try self.outreach(connection, id: outreachID, locked: true)
            try Self.mustBeAuthor(current, user, "correct it")
            try edit.validate(lastFollowUpAt: current.outreach.lastFollowUpAt)
            try run(connection, """
                UPDATE outreach SET ask = coalesce(\(edit.ask), ask), channel = coalesce(\(edit.channel), channel),
                                    sent_at = coalesce(\(edit.sentAt), sent_at), policy = coalesce(\(policyJSON), policy)
                WHERE id = \(outreachID)
                """)
            let updated = try self.outreach(connection, id: outreachID)
            guard updated.outreach.status == .awaitingReply else { return (updated, [Int64](), Reminder?.none) }
            let replans = edit.ask != nil || edit.sentAt != nil || edit.policy != nil
            guard replans, let pending = try connection.query("""
                SELECT step, anchor_at FROM reminder
                WHERE outreach_id = \(outreachID) AND state = 'pending' AND kind = ANY(\(Self.sequenceKinds))
                ORDER BY step DESC LIMIT 1
                """, logger: logger).wait().first,
                case let (step?, anchor?) = try pending.decode((Int32?, Date?).self)
            else { return (updated, [], try pendingSequence(connection, outreachID: outreachID)) }
            let cancelled = try cancelSequence(connection, outreachID: outreachID)
            let next = try Corrections.pendingStep(step: Int(step), anchor: anchor, oldSentAt: current.outreach.sentAt,
                                                   newSentAt: updated.outreach.sentAt, policy: updated.outreach.policy)
                .flatMap { try scheduleStep(connection, outreach: updated.outreach, step: $0.step, anchor: $0.anchor, rules: rules) }
            return (updated, cancelled, next)
        }
        let scheduled = next.map { [ScheduledReminder(id: $0.id, due: $0.fireAt)] } ?? []
        if !cancelled.isEmpty || !scheduled.isEmpty {
            listener.tellLocally(ScheduleChanges(scheduled: scheduled, cancelled: cancelled))
        }
        return (outreach, cancelled, next)
    }

    private static func mustBeAuthor(_ outreach: TeamOutreach, _ user: String, _ action: String) throws {
        guard outreach.author != user else { return }
        throw StoreError.invalidState(what: "outreach", reason: "#\(outreach.outreach.id) is \(outreach.author)'s: only its author can \(action); ask \(outreach.author), or log your own outreach to \(outreach.contactName) with anyway")
    }

    // MARK: Steps, in a transaction

    /// Locks the sequence's pending reminders: a firing in progress finishes first, and
    /// what it planned is seen by the statements after this one (see `fireDue`'s lock
    /// order).
    func lockSequence(_ connection: PostgresConnection, outreachID: Int64) throws {
        try run(connection, """
            SELECT id FROM reminder WHERE outreach_id = \(outreachID) AND state = 'pending'
              AND kind = ANY(\(Self.sequenceKinds)) FOR UPDATE
            """)
    }

    /// Cancels the sequence's pending follow-up and let-go reminders, and the comeback of
    /// a snoozed nudge of it, whose item is dismissed (it no longer asks anything), as on
    /// the personal store; their ids.
    func cancelSequence(_ connection: PostgresConnection, outreachID: Int64) throws -> [Int64] {
        let steps = try connection.query("""
            UPDATE reminder SET state = 'cancelled'
            WHERE outreach_id = \(outreachID) AND state = 'pending' AND kind = ANY(\(Self.sequenceKinds))
            RETURNING id
            """, logger: logger).wait().map { try $0.decode(Int64.self) }
        let comebacks = try connection.query("""
            UPDATE reminder AS comeback SET state = 'cancelled'
            FROM inbox_item AS item JOIN reminder AS nudge ON nudge.id = item.reminder_id
            WHERE comeback.resurfaces_inbox_id = item.id AND comeback.state = 'pending' AND nudge.outreach_id = \(outreachID)
            RETURNING comeback.id, item.id
            """, logger: logger).wait().map { try $0.decode((Int64, Int64).self) }
        if !comebacks.isEmpty {
            try run(connection, """
                UPDATE inbox_item SET state = 'dismissed', snoozed_until = NULL
                WHERE id = ANY(\(comebacks.map(\.1))) AND state = 'snoozed'
                """)
        }
        return steps + comebacks.map(\.0)
    }

    /// The sequence's pending reminder, if any.
    func pendingSequence(_ connection: PostgresConnection, outreachID: Int64) throws -> Reminder? {
        try connection.query("""
            SELECT \(unescaped: Self.reminderColumns) FROM reminder
            WHERE outreach_id = \(outreachID) AND state = 'pending' AND kind = ANY(\(Self.sequenceKinds))
            ORDER BY fire_at, id LIMIT 1
            """, logger: logger).wait().first.map(Self.reminder)
    }

    /// Inserts the reminder for `step` of the outreach's sequence, counted from `anchor`
    /// (nil past its end). Its owner is the contact's: the contact's owner is the team
    /// user whose channels get its reminders (v4), even when a teammate logged the
    /// outreach; so are the rules it is planned by (the owner's zone for their window).
    func scheduleStep(_ connection: PostgresConnection, outreach: Outreach, contact: Contact? = nil, step: Int,
                      anchor: Date, rules nodeRules: TimingRules) throws -> Reminder? {
        let contact = try contact ?? self.contact(connection, id: outreach.contactID).contact
        let owner = try connection.query("SELECT owner FROM contact WHERE id = \(contact.id)", logger: logger).wait()
            .first?.decode(String.self)
        let rules = try rules(nodeRules, of: owner, connection)
        guard let planned = FollowUpStep.plan(step: step, outreach: outreach, contact: contact, anchor: anchor, rules: rules)
        else { return nil }
        let id = try connection.query("""
            INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, outreach_id, step, anchor_at, owner)
            VALUES (\(planned.kind.rawValue), \(planned.text), \(planned.planned.dueAt), \(planned.planned.fireAt),
                    \(planned.planned.reason), \(settings.node), \(contact.id), \(outreach.id), \(planned.step), \(anchor),
                    (SELECT owner FROM contact WHERE id = \(contact.id)))
            RETURNING id
            """, logger: logger).wait().first!.decode(Int64.self)
        return Reminder(id: id, kind: planned.kind, text: planned.text, contactID: contact.id, outreachID: outreach.id,
                        dueAt: planned.planned.dueAt, fireAt: planned.planned.fireAt, reason: planned.planned.reason)
    }

    /// One outreach, its row locked if `locked`.
    func outreach(_ connection: PostgresConnection, id: Int64, locked: Bool = false) throws -> TeamOutreach {
        guard let row = try connection.query("""
            SELECT \(unescaped: Self.outreachColumns) FROM outreach JOIN contact ON contact.id = outreach.contact_id
            WHERE outreach.id = \(id) \(unescaped: locked ? "FOR UPDATE OF outreach" : "")
            """, logger: logger).wait().first else { throw StoreError.outreachNotFound(id: id) }
        return try Self.teamOutreach(row)
    }

    static let sequenceKinds = [ReminderKind.followUp.rawValue, ReminderKind.letGo.rawValue]
}
