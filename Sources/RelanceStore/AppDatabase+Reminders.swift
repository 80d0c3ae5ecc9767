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
            // The cached statement RemindMany uses, rather than encoding the record (a
            // seventh of the daemon's time per `Remind` in a profile, issue #15).
            try Self.insertExplicitStatement(db).execute(arguments: [
                text, contactID, reminder.dueAt.timeIntervalSince1970, reminder.fireAt.timeIntervalSince1970, reminder.reason])
            reminder.id = db.lastInsertedRowID
            return (reminder.model, ScheduleChanges(scheduled: [reminder.scheduled]))
        }
    }

    /// The INSERT of a pending custom reminder set by the user (`explicit`), cached per
    /// connection; arguments: text, contactId, dueAt, fireAt (seconds since 1970, UTC),
    /// reason. The columns are ReminderRecord's; the others keep their defaults (NULL).
    static func insertExplicitStatement(_ db: Database) throws -> Statement {
        try db.cachedStatement(sql: """
            INSERT INTO reminder (kind, text, contactId, dueAt, fireAt, reason, state)
            VALUES (\(ReminderKind.custom.sql), ?, ?, ?, ?, ?, \(ReminderState.pending.sql))
            """)
    }

    /// Adds many explicit-time reminders in one transaction (imports, benchmarks).
    public func addReminders(_ reminders: [(text: String, dueAt: Date)]) throws -> ScheduleChanges {
        try addReminders(reminders.map { (text: $0.text, dueAt: $0.dueAt, contactID: nil) }).changes
    }

    /// Adds many reminders the user set for explicit times in ONE transaction, all or
    /// none (`RemindMany`, issue #15): a text that is not one line, or a contact that
    /// no longer exists, throws before anything is written, naming the item
    /// ("reminders[3].text"). Returns their ids in the order given. The reminder feed
    /// tells the scheduler after the commit, as for every write.
    public func addReminders(_ reminders: [(text: String, dueAt: Date, contactID: Int64?)])
        throws -> (ids: [Int64], changes: ScheduleChanges) {
        let texts = try reminders.enumerated().map { index, reminder in
            try ReminderBatch.text(reminder.text, field: ReminderBatch.field(index, "text"))
        }
        return try writer.write { db in
            var scheduled: [ScheduledReminder] = []
            scheduled.reserveCapacity(reminders.count)
            var known: Set<Int64> = []
            // One cached statement for every row: building and encoding a record per row
            // was a fifth of the daemon's time in a RemindMany profile (issue #15).
            let insert = try Self.insertExplicitStatement(db)
            for (index, (text, reminder)) in zip(texts, reminders).enumerated() {
                if let contactID = reminder.contactID, !known.contains(contactID) {
                    guard try ContactRecord.exists(db, key: contactID) else {
                        throw ValidationError(field: ReminderBatch.field(index, "contact"), reason: "no contact has id \(contactID)")
                    }
                    known.insert(contactID)
                }
                let planned = Self.explicit(reminder.dueAt)
                try insert.execute(arguments: [text, reminder.contactID, planned.dueAt.timeIntervalSince1970,
                                               planned.fireAt.timeIntervalSince1970, planned.reason])
                scheduled.append(ScheduledReminder(id: db.lastInsertedRowID, due: planned.fireAt))
            }
            return (scheduled.map(\.id), ScheduleChanges(scheduled: scheduled))
        }
    }

    static func explicit(_ date: Date) -> PlannedTime {
        PlannedTime(dueAt: date, fireAt: date, reason: "set by you")
    }

    static func validReminderText(_ text: String) throws -> String {
        try ReminderBatch.text(text)
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
            let rows = try Row.fetchCursor(db, sql: "SELECT id, fireAt FROM reminder WHERE state = \(ReminderState.pending.sql)")
            while let row = try rows.next() {
                result.append(ScheduledReminder(id: row[0], due: Date(timeIntervalSince1970: row[1])))
            }
            return result
        }
    }

    /// Fires every reminder that is pending *and* due at `now`, by the rows: each becomes
    /// fired and its inbox item is inserted (or, for a snooze, its item comes back) in ONE
    /// transaction, together with what `FollowOn` says follows from it and one outbox job
    /// per channel. The row decides: a reminder whose time was moved after the caller
    /// learnt it is not fired (it is handed back with its new time), and one already
    /// fired or cancelled is never fired again.
    /// - Parameters:
    ///   - expected: what the caller's heap believed due (for the hand-back).
    ///   - late: true for the catch-up after downtime.
    ///   - channels: the delivery channels enabled; one outbox job each per item.
    ///   - lateBefore: a reminder due before this instant (the daemon's start) is marked
    ///     late whenever it fires, even if a failed catch-up delayed it.
    public func fireDue(expected: [ScheduledReminder] = [], at now: Date, late: Bool, lateBefore: Date? = nil,
                        rules: TimingRules, channels: [String] = []) throws -> Firing {
        try writer.write { db in
            var firing = Firing()
            // One set-based statement through the partial index on pending fireAt.
            let statement = try db.cachedStatement(sql: """
                UPDATE reminder SET state = \(ReminderState.fired.sql), firedAt = ?
                WHERE state = \(ReminderState.pending.sql) AND fireAt <= ? RETURNING *
                """)
            var fired = try ReminderRecord.fetchAll(statement, arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970])
            fired.sort { ($0.fireAt, $0.id!) < ($1.fireAt, $1.id!) }
            let firedIDs = Set(fired.map { $0.id! })
            var claimed = fired
            let toDeliver = try FiringWorklist.walk(fired, now: now, follow: { reminder -> ReminderRecord? in
                let next = try Self.apply(FollowOn.after(try Self.facts(db, about: reminder)), rules: rules, now: now, db)
                firing.changes.merge(next.changes)
                return next.reminder
            }, firesAt: \.fireAt, claim: { successor in
                let taken = try Self.claim(db, successor, at: now)
                if let taken { claimed.append(taken) }
                return taken
            }, skip: { reminder in
                try db.execute(sql: "UPDATE reminder SET state = \(ReminderState.skipped.sql) WHERE id = ?", arguments: [reminder.id])
            })
            firing.items = try Self.inboxItems(db, for: toDeliver.map { reminder, catchingUp in
                (reminder, late || catchingUp || lateBefore.map { reminder.fireAt < $0 } ?? false)
            }, at: now)
            let delivered = toDeliver.map { $0.reminder.id! }
            firing.eventIDs.formUnion(toDeliver.compactMap(\.reminder.eventId))
            firing.changes.cancelled += claimed.map { $0.id! }
            try Self.enqueueDeliveries(db, items: firing.items, reminderIDs: delivered, channels: channels, at: now)
            let unexpected = expected.filter { !firedIDs.contains($0.id) }
            if !unexpected.isEmpty {
                firing.handedBack = try Self.pendingTimes(db, ids: unexpected.map(\.id))
            }
            return firing
        }
    }

    /// The fire times of those of `ids` still pending.
    static func pendingTimes(_ db: Database, ids: [Int64]) throws -> [ScheduledReminder] {
        try Row.fetchAll(db, sql: "SELECT id, fireAt FROM reminder WHERE state = \(ReminderState.pending.sql) AND id IN (SELECT value FROM json_each(?))",
                         arguments: [ids.json])
            .map { ScheduledReminder(id: $0[0], due: Date(timeIntervalSince1970: $0[1])) }
    }

    /// The fired reminders' inbox items, in their order: a snoozed item comes back; the
    /// others are inserted by ONE statement (a burst of 1 000 was 1 000 inserts, a third
    /// of its transaction; issue #15).
    private static func inboxItems(_ db: Database, for fired: [(reminder: ReminderRecord, late: Bool)],
                                   at now: Date) throws -> [InboxItem] {
        var items: [InboxItem?] = []
        var toInsert: [(index: Int, reminder: ReminderRecord, late: Bool)] = []
        for (reminder, late) in fired {
            if let inboxID = reminder.resurfacesInboxId, var item = try InboxItemRecord.fetchOne(db, key: inboxID) {
                item.state = .unread
                item.snoozedUntil = nil
                item.dueAt = reminder.dueAt
                item.firedAt = now
                item.late = late
                try item.update(db)
                items.append(item.model)
            } else {
                toInsert.append((items.count, reminder, late))
                items.append(nil)
            }
        }
        guard !toInsert.isEmpty else { return items.compactMap { $0 } }
        // The rows are read from `reminder` itself, in the order given: [[id, late], …].
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            INSERT INTO inboxItem (reminderId, kind, text, contactId, outreachId, dueAt, firedAt, late, state)
            SELECT r.id, r.kind, r.text, r.contactId, r.outreachId, r.dueAt, ?, item.value ->> 1, \(InboxState.unread.sql)
            FROM json_each(?) AS item JOIN reminder AS r ON r.id = item.value ->> 0
            ORDER BY item.key
            RETURNING id, reminderId
            """), arguments: [now.timeIntervalSince1970, "[" + toInsert.map { "[\($0.reminder.id!),\($0.late ? 1 : 0)]" }.joined(separator: ",") + "]"])
        let itemIDs = Dictionary(uniqueKeysWithValues: rows.map { (row: Row) -> (Int64, Int64) in (row[1], row[0]) })
        for (index, reminder, late) in toInsert {
            guard let id = itemIDs[reminder.id!] else {
                throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "fired reminder \(reminder.id!) got no inbox item")
            }
            items[index] = InboxItem(id: id, reminderID: reminder.id!, kind: reminder.kind, text: reminder.text,
                                     contactID: reminder.contactId, outreachID: reminder.outreachId, dueAt: reminder.dueAt,
                                     firedAt: now, late: late, state: .unread, snoozedUntil: nil)
        }
        return items.map { $0! }
    }

    /// What the rule needs to know about a fired reminder's surroundings.
    private static func facts(_ db: Database, about reminder: ReminderRecord) throws -> FollowOn.Facts {
        var facts = FollowOn.Facts(kind: reminder.kind, dueAt: reminder.dueAt, step: reminder.step,
                                   outreachID: reminder.outreachId, contactID: reminder.contactId,
                                   resurfaces: reminder.resurfacesInboxId != nil)
        if let outreachID = reminder.outreachId, [.followUp, .letGo].contains(reminder.kind) {
            facts.outreachAwaitingReply = try OutreachRecord.fetchOne(db, key: outreachID)?.status == .awaitingReply
            facts.sequenceStillPending = try hasPendingSequence(db, outreachID: outreachID)
        }
        if let contactID = reminder.contactId, reminder.kind == .keepInTouch {
            facts.contactHasCadence = try ContactRecord.fetchOne(db, key: contactID)?.keepInTouch != nil
        }
        return facts
    }

    /// A successor that is already due, marked fired with the step it supersedes.
    private static func claim(_ db: Database, _ reminder: ReminderRecord, at now: Date) throws -> ReminderRecord? {
        try ReminderRecord.fetchOne(db, sql: """
            UPDATE reminder SET state = \(ReminderState.fired.sql), firedAt = ?
            WHERE id = ? AND state = \(ReminderState.pending.sql) RETURNING *
            """, arguments: [now.timeIntervalSince1970, reminder.id])
    }

    /// Persists what the rule decided; the reminder it created, if any.
    private static func apply(_ followOn: FollowOn, rules: TimingRules, now: Date,
                              _ db: Database) throws -> (changes: ScheduleChanges, reminder: ReminderRecord?) {
        switch followOn {
        case .none:
            return (ScheduleChanges(), nil)
        case .nextStep(let outreachID, let step, let anchor):
            guard let outreach = try OutreachRecord.fetchOne(db, key: outreachID),
                  let next = try scheduleStep(db, outreach: outreach, step: step, anchor: anchor, rules: rules)
            else { return (ScheduleChanges(), nil) }
            return (ScheduleChanges(scheduled: [next.scheduled]), next)
        case .noReply(let outreachID, let at):
            if var outreach = try OutreachRecord.fetchOne(db, key: outreachID) {
                outreach.status = .noReply
                outreach.closedAt = at
                try outreach.update(db)
            }
            return (ScheduleChanges(), nil)
        case .keepInTouch(let contactID, let dueAt):
            guard let contact = try ContactRecord.fetchOne(db, key: contactID), let cadence = contact.keepInTouch else {
                return (ScheduleChanges(), nil)
            }
            let anchor = FollowOn.keepInTouchAnchor(dueAt: dueAt, now: now) {
                Planner.keepInTouch(lastInteraction: $0, cadence: cadence, rules: rules).fireAt
            }
            var next = ReminderRecord(kind: .keepInTouch,
                                      text: ReminderText.keepInTouch(contact: contact.name,
                                                                     since: try lastInteraction(db, contactID: contactID),
                                                                     zone: rules.userZone),
                                      contactId: contactID,
                                      planned: Planner.keepInTouch(lastInteraction: anchor, cadence: cadence, rules: rules),
                                      anchorAt: anchor)
            try next.insert(db)
            return (ScheduleChanges(scheduled: [next.scheduled]), next)
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

extension AppDatabase {
    /// Cancels a pending reminder, whatever made it, in one transaction: it never fires.
    /// A follow-up's sequence stops there (nothing follows a reminder that never fires).
    /// A reminder that brings back a snoozed inbox item is refused: done or dismiss the
    /// item instead.
    public func cancelReminder(id: Int64) throws -> (Reminder, ScheduleChanges) {
        try writer.write { db in
            var reminder = try Self.pendingReminder(db, id: id)
            if let inboxID = reminder.resurfacesInboxId {
                throw StoreError.bringsBackSnoozedItem(reminderID: id, inboxID: inboxID)
            }
            reminder.state = .cancelled
            try reminder.update(db)
            return (reminder.model, ScheduleChanges(cancelled: [id]))
        }
    }

    /// Moves a pending reminder, whatever made it, to `at`, in one transaction: it fires
    /// then (as `Corrections.moved` says), and a reload of the rules no longer re-plans
    /// it. A snooze's reminder moves its inbox item's `snoozedUntil` with it.
    public func moveReminder(id: Int64, to at: Date, rules: TimingRules, now: Date) throws -> (Reminder, ScheduleChanges) {
        guard at > now else { throw ValidationError(field: "at", reason: "must be in the future") }
        return try writer.write { db in
            var reminder = try Self.pendingReminder(db, id: id)
            let planned = Corrections.moved(to: at, from: reminder.fireAt, zone: rules.userZone)
            reminder.dueAt = planned.dueAt
            reminder.fireAt = planned.fireAt
            reminder.reason = planned.reason
            reminder.movedAt = now
            try reminder.update(db)
            if let inboxID = reminder.resurfacesInboxId, var item = try InboxItemRecord.fetchOne(db, key: inboxID) {
                item.snoozedUntil = at
                try item.update(db)
            }
            return (reminder.model, ScheduleChanges(scheduled: [reminder.scheduled]))
        }
    }

    static func pendingReminder(_ db: Database, id: Int64) throws -> ReminderRecord {
        guard let reminder = try ReminderRecord.fetchOne(db, key: id) else { throw StoreError.reminderNotFound(id: id) }
        guard reminder.state == .pending else {
            throw StoreError.reminderNotPending(id: id, state: reminder.state.rawValue)
        }
        return reminder
    }

    /// Cancels the pending reminders matching `filter` (an SQL condition); their ids.
    static func cancelPending(_ db: Database, where filter: String, arguments: StatementArguments) throws -> [Int64] {
        try Int64.fetchAll(db, sql: """
            UPDATE reminder SET state = \(ReminderState.cancelled.sql)
            WHERE state = \(ReminderState.pending.sql) AND \(filter) RETURNING id
            """, arguments: arguments)
    }
}
