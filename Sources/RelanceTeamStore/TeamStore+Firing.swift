import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// Firing due reminders, and what follows from a fired follow-up or keep-in-touch
/// reminder (issue #16): the same
/// `FollowOn` rule as the personal store's, persisted in the transaction that claims.
///
/// Locks, always in this order so that nodes never deadlock: a reminder's row (claimed
/// here with `FOR UPDATE SKIP LOCKED`), then its outreach's row. A write that ends or
/// moves a sequence (a reply, a follow-up, a withdrawal) locks the sequence's pending
/// reminders first too (`lockSequence`), so it waits for a firing in progress and then
/// sees the step that firing planned.
extension TeamStore {
    /// How long a node waits before looking again at a due reminder another node holds
    /// locked (it is firing it, or died doing so and its transaction is rolling back).
    static let lockedRetry: TimeInterval = 0.5

    /// Fires every reminder pending and due at `now` that no other node is firing, in
    /// ONE transaction: claim (`FOR UPDATE SKIP LOCKED`) and mark fired, plan what
    /// follows (`FollowOn`: the next step of a follow-up sequence, or *no reply* after a
    /// let-go), insert the inbox items and their outbox jobs: one per channel for an
    /// unowned reminder, a mail job to the owner's address (none without one) for an
    /// owned one (v5). A step whose successor is already due (catch-up after downtime) is
    /// skipped, not delivered, by the personal store's walk (`FiringWorklist`): only the
    /// latest step reaches the inbox.
    public func fireDue(expected: [ScheduledReminder], at now: Date, late: Bool, lateBefore: Date?,
                        rules: TimingRules, channels: [String]) throws -> Firing {
        let missedBefore = lateBefore ?? Date(timeIntervalSince1970: 0)
        return try transaction { connection in
            var firing = Firing()
            var fired = try connection.query("""
                WITH due AS (
                    SELECT id FROM reminder WHERE state = 'pending' AND fire_at <= \(now)
                    ORDER BY fire_at, id FOR UPDATE SKIP LOCKED
                )
                UPDATE reminder SET state = 'fired', fired_at = \(now), fired_by = \(settings.node)
                FROM due WHERE reminder.id = due.id RETURNING \(unescaped: Claimed.columns)
                """, logger: logger).wait().map(Claimed.init)
            fired.sort { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
            let claimedIDs = Set(fired.map(\.id))
            var scheduled: [ScheduledReminder] = []
            let toDeliver = try FiringWorklist.walk(fired, now: now, follow: { reminder in
                let successor = try follow(FollowOn.after(try facts(connection, about: reminder)), rules: rules, now: now, connection)
                if let successor { scheduled.append(successor) }
                return successor
            }, firesAt: \.due, claim: { successor in
                // This transaction's own row: nobody else can hold it.
                let claimed = try connection.query("""
                    UPDATE reminder SET state = 'fired', fired_at = \(now), fired_by = \(settings.node)
                    WHERE id = \(successor.id) AND state = 'pending' RETURNING \(unescaped: Claimed.columns)
                    """, logger: logger).wait().first.map(Claimed.init)
                if let claimed { fired.append(claimed) }
                return claimed
            }, skip: { reminder in
                try run(connection, "UPDATE reminder SET state = 'skipped' WHERE id = \(reminder.id)")
            })
            let delivered = toDeliver.map(\.reminder.id)
            let lateIDs = toDeliver.filter { late || $0.reminder.fireAt < missedBefore || $0.catchingUp }.map(\.reminder.id)
            // Items: a new one per reminder, except a snooze's comeback, which turns its
            // item unread again (the same item, as in the personal store; v9). Jobs, for
            // the firing (`firing`: the reminder fired): an unowned reminder gets one per
            // channel of this node, as before; an owned one goes to its owner's channels
            // only: a mail job to their address if they set one (whichever node fires it:
            // any node with [mail] sends it), and a desktop job addressed to them while a
            // node shows their screen (v15; only such a node claims it). A comeback is
            // owned as its item's reminder was.
            firing.items = try connection.query("""
                WITH fresh AS (
                    INSERT INTO inbox_item (reminder_id, kind, text, due_at, fired_at, late, fired_by)
                    SELECT id, kind, text, due_at, \(now), id = ANY(\(lateIDs)), \(settings.node)
                    FROM reminder WHERE id = ANY(\(delivered)) AND resurfaces_inbox_id IS NULL
                    RETURNING id, reminder_id AS firing, reminder_id, kind, text, due_at, fired_at, late, state, snoozed_until
                ), back AS (
                    UPDATE inbox_item SET state = \(InboxState.unread.rawValue), snoozed_until = NULL, due_at = r.due_at,
                                          fired_at = \(now), late = r.id = ANY(\(lateIDs))
                    FROM reminder r WHERE r.id = ANY(\(delivered)) AND r.resurfaces_inbox_id = inbox_item.id
                    RETURNING inbox_item.id, r.id AS firing, inbox_item.reminder_id, inbox_item.kind, inbox_item.text,
                              inbox_item.due_at, inbox_item.fired_at, inbox_item.late, inbox_item.state, inbox_item.snoozed_until
                ), items AS (
                    SELECT * FROM fresh UNION ALL SELECT * FROM back
                ), jobs AS (
                    INSERT INTO outbox (inbox_item_id, reminder_id, channel, next_attempt_at, recipient)
                    SELECT items.id, items.firing, channel, \(now), NULL::text
                    FROM items JOIN reminder r ON r.id = items.firing CROSS JOIN unnest(\(channels)::text[]) AS channel
                    WHERE r.owner IS NULL
                    UNION ALL
                    SELECT items.id, items.firing, \(Self.mailChannel), \(now), u.mail
                    FROM items JOIN reminder r ON r.id = items.firing JOIN team_user u ON u.name = r.owner
                    WHERE u.mail IS NOT NULL
                    UNION ALL
                    SELECT items.id, items.firing, \(Self.desktopChannel), \(now), r.owner
                    FROM items JOIN reminder r ON r.id = items.firing
                    WHERE EXISTS (SELECT 1 FROM desktop_screen s WHERE s.user_name = r.owner)
                )
                SELECT \(unescaped: Self.inboxColumns(of: "items")) FROM items ORDER BY due_at, reminder_id
                """, logger: logger).wait().map(Self.inboxItem)
            let firedIDs = fired.map(\.id), firedSet = Set(firedIDs)
            // A fired event reminder may be its occurrence's last: the caller plans the next.
            firing.eventIDs = Set(fired.compactMap(\.eventID))
            // A successor claimed at once is not pending: only the others are news.
            firing.changes = ScheduleChanges(scheduled: scheduled.filter { !firedSet.contains($0.id) }, cancelled: firedIDs)
            let unexpected = expected.map(\.id).filter { !claimedIDs.contains($0) }
            if !unexpected.isEmpty {
                // Still pending and due: another node holds it locked; look again shortly.
                // Still pending and later: it moved; back in the heap at its new time.
                firing.handedBack = try connection.query("""
                    SELECT id, fire_at FROM reminder WHERE state = 'pending' AND id = ANY(\(unexpected))
                    """, logger: logger).wait().map { row in
                    let (id, due) = try row.decode((Int64, Date).self)
                    return ScheduledReminder(id: id, due: due > now ? due : now.addingTimeInterval(Self.lockedRetry))
                }
            }
            return firing
        }
    }

    /// A claimed reminder: what the rule and the worklist need of it.
    private struct Claimed {
        static let columns = """
            reminder.id, reminder.kind, reminder.due_at, reminder.fire_at, reminder.step, reminder.outreach_id,
            reminder.contact_id, reminder.resurfaces_inbox_id, reminder.event_id
            """
        var id: Int64
        var kind: ReminderKind
        var dueAt: Date
        var fireAt: Date
        var step: Int?
        var outreachID: Int64?
        var contactID: Int64?
        /// A snooze's comeback: the item it brings back.
        var resurfacesInboxID: Int64?
        /// An event reminder's event: the caller plans its next occurrences (v11).
        var eventID: Int64?

        init(_ row: PostgresRow) throws {
            let (id, kind, dueAt, fireAt, step, outreachID, contactID, resurfacesInboxID, eventID) =
                try row.decode((Int64, String, Date, Date, Int32?, Int64?, Int64?, Int64?, Int64?).self)
            self.id = id; self.kind = ReminderKind(rawValue: kind) ?? .custom; self.dueAt = dueAt; self.fireAt = fireAt
            self.step = step.map(Int.init); self.outreachID = outreachID; self.contactID = contactID
            self.resurfacesInboxID = resurfacesInboxID; self.eventID = eventID
        }
    }

    /// What the rule needs to know about a fired reminder's surroundings; its outreach's
    /// row locked (after the reminder's: see the order above).
    private func facts(_ connection: PostgresConnection, about reminder: Claimed) throws -> FollowOn.Facts {
        var facts = FollowOn.Facts(kind: reminder.kind, dueAt: reminder.dueAt, step: reminder.step,
                                   outreachID: reminder.outreachID, contactID: reminder.contactID,
                                   resurfaces: reminder.resurfacesInboxID != nil)
        if let outreachID = reminder.outreachID, !facts.resurfaces, [.followUp, .letGo].contains(reminder.kind) {
            let status = try connection.query("SELECT status FROM outreach WHERE id = \(outreachID) FOR UPDATE",
                                              logger: logger).wait().first?.decode(String.self)
            facts.outreachAwaitingReply = status == OutreachStatus.awaitingReply.rawValue
            facts.sequenceStillPending = try pendingSequence(connection, outreachID: outreachID) != nil
        }
        if let contactID = reminder.contactID, reminder.kind == .keepInTouch {
            facts.contactHasCadence = try hasCadence(connection, contactID: contactID)
        }
        return facts
    }

    /// Persists what the rule decided; the reminder it planned, if any.
    private func follow(_ followOn: FollowOn, rules: TimingRules, now: Date,
                        _ connection: PostgresConnection) throws -> ScheduledReminder? {
        switch followOn {
        case .none:
            return nil
        case .keepInTouch(let contactID, let dueAt):
            return try planNextKeepInTouch(connection, contactID: contactID, dueAt: dueAt, now: now, rules: rules)
        case .nextStep(let outreachID, let step, let anchor):
            let outreach = try self.outreach(connection, id: outreachID)
            return try scheduleStep(connection, outreach: outreach.outreach, step: step, anchor: anchor, rules: rules)
                .map { ScheduledReminder(id: $0.id, due: $0.fireAt) }
        case .noReply(let outreachID, let at):
            try run(connection, """
                UPDATE outreach SET status = \(OutreachStatus.noReply.rawValue), closed_at = \(at)
                WHERE id = \(outreachID) AND status = \(OutreachStatus.awaitingReply.rawValue)
                """)
            return nil
        }
    }
}
