import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// A meeting of the team, with the team user who goes and the contact's name.
public struct TeamMeeting: Sendable, Hashable {
    public var meeting: Meeting
    public var by: String
    public var contactName: String
}

/// Meetings a team user accepted (team schema v5, issue #16): the personal store's
/// meetings, with the same checks (`MeetingDraft.validated`, `Meeting.moved`) and the same
/// reminders (`MeetingReminders`: the day before, before leaving, the thank-you note
/// after), planned into the team's `reminder` table so they fire once through whichever
/// node claims them. Only who added a meeting may move or cancel it: they are the one
/// who goes.
extension TeamStore {
    /// Adds `by`'s meeting and plans its reminders, in one transaction. The same contact
    /// at the same start again is refused (`StoreError.duplicateMeeting`) unless `force`.
    public func addMeeting(_ draft: MeetingDraft, by user: String, force: Bool = false, rules: TimingRules,
                           now: Date) throws -> (TeamMeeting, [Reminder]) {
        let (added, reminders, changes) = try transaction { connection in
            try insertMeeting(connection, draft, by: user, force: force, rules: rules, now: now)
        }
        listener.tellLocally(changes)
        return (added, reminders)
    }

    /// `addMeeting`'s work, in the caller's transaction (a reply that agrees to meet adds
    /// its meeting in its own): the meeting, its reminders, and every schedule change
    /// (its reminders, and the contact's keep-in-touch reminder moved by the meeting).
    func insertMeeting(_ connection: PostgresConnection, _ draft: MeetingDraft, by user: String, force: Bool = false,
                       rules nodeRules: TimingRules, now: Date) throws -> (TeamMeeting, [Reminder], ScheduleChanges) {
        // The goer's zone: their meeting, their reminders (issue #16).
        let rules = try rules(nodeRules, of: user, connection)
        let (place, end) = try draft.validated(in: rules.userZone)
        let contact = try self.contact(connection, id: draft.contactID).contact
        // The contact's row locked: two adds of the same meeting at once see each other.
        try run(connection, "SELECT id FROM contact WHERE id = \(contact.id) FOR UPDATE")
        if let outreachID = draft.outreachID { _ = try outreach(connection, id: outreachID) }
        if !force, let twin = try connection.query("""
            SELECT id, starts_at FROM meeting WHERE contact_id = \(contact.id) AND starts_at = \(draft.startsAt) LIMIT 1
            """, logger: logger).wait().first {
            let (id, startsAt) = try twin.decode((Int64, Date).self)
            throw StoreError.duplicateMeeting(id: id, startsAt: startsAt)
        }
        let id = try connection.query("""
            INSERT INTO meeting (contact_id, outreach_id, starts_at, ends_at, place, notes, created_by, created_at)
            VALUES (\(contact.id), \(draft.outreachID), \(draft.startsAt), \(end), \(place), \(draft.notes), \(user), \(now))
            RETURNING id
            """, logger: logger).wait().first!.decode(Int64.self)
        let meeting = Meeting(id: id, contactID: contact.id, outreachID: draft.outreachID, startsAt: draft.startsAt,
                              endsAt: end, place: place, notes: draft.notes)
        let added = TeamMeeting(meeting: meeting, by: user, contactName: contact.name)
        var changes = try recordInteraction(connection, contactID: contact.id, outreachID: draft.outreachID, kind: .meeting,
                                            at: min(now, draft.startsAt), note: place, by: user, rules: nodeRules)
        let reminders = try planReminders(connection, for: added, rules: rules, now: now)
        changes.scheduled += reminders.map { ScheduledReminder(id: $0.id, due: $0.fireAt) }
        return (added, reminders, changes)
    }

    /// The team's meetings not over at `date`, soonest first.
    public func meetings(from date: Date) throws -> [TeamMeeting] {
        try withConnection { connection in
            try connection.query("""
                SELECT \(unescaped: Self.meetingColumns) FROM meeting JOIN contact ON contact.id = meeting.contact_id
                WHERE meeting.ends_at >= \(date) ORDER BY meeting.starts_at, meeting.id
                """, logger: logger).wait().map(Self.teamMeeting)
        }
    }

    /// `by` moves their meeting (a new start, place or length) and its pending reminders
    /// are planned again, in one transaction: the meeting, the cancelled reminders' ids and
    /// the new ones.
    public func moveMeeting(id: Int64, by user: String, startsAt: Date?, place: String?, duration: ISODuration?,
                            rules nodeRules: TimingRules, now: Date) throws -> (TeamMeeting, cancelled: [Int64], [Reminder]) {
        let (moved, cancelled, reminders) = try transaction { connection in
            let current = try meeting(connection, id: id, locked: true)
            try Self.mustHaveAdded(current, user, "move it")
            let rules = try rules(nodeRules, of: current.by, connection)
            let meeting = try current.meeting.moved(to: startsAt, place: place, duration: duration, in: rules.userZone)
            try run(connection, """
                UPDATE meeting SET starts_at = \(meeting.startsAt), ends_at = \(meeting.endsAt), place = \(meeting.place)
                WHERE id = \(id)
                """)
            let cancelled = try cancelPendingReminders(connection, meetingID: id)
            let moved = TeamMeeting(meeting: meeting, by: current.by, contactName: current.contactName)
            return (moved, cancelled, try planReminders(connection, for: moved, rules: rules, now: now))
        }
        listener.tellLocally(ScheduleChanges(scheduled: reminders.map { ScheduledReminder(id: $0.id, due: $0.fireAt) },
                                             cancelled: cancelled))
        return (moved, cancelled, reminders)
    }

    /// `by` cancels their meeting, in one transaction: its pending reminders are cancelled
    /// and the meeting removed; what already fired keeps its inbox item. The meeting as it
    /// was, and the cancelled reminders' ids.
    public func cancelMeeting(id: Int64, by user: String) throws -> (TeamMeeting, cancelled: [Int64]) {
        let (removed, cancelled) = try transaction { connection in
            let current = try meeting(connection, id: id, locked: true)
            try Self.mustHaveAdded(current, user, "cancel it")
            let cancelled = try cancelPendingReminders(connection, meetingID: id)
            try run(connection, "UPDATE reminder SET meeting_id = NULL WHERE meeting_id = \(id)")
            try run(connection, "DELETE FROM meeting WHERE id = \(id)")
            return (current, cancelled)
        }
        if !cancelled.isEmpty { listener.tellLocally(ScheduleChanges(cancelled: cancelled)) }
        return (removed, cancelled)
    }

    // MARK: In a transaction

    private func meeting(_ connection: PostgresConnection, id: Int64, locked: Bool) throws -> TeamMeeting {
        guard let row = try connection.query("""
            SELECT \(unescaped: Self.meetingColumns) FROM meeting JOIN contact ON contact.id = meeting.contact_id
            WHERE meeting.id = \(id) \(unescaped: locked ? "FOR UPDATE OF meeting" : "")
            """, logger: logger).wait().first else { throw StoreError.meetingNotFound(id: id) }
        return try Self.teamMeeting(row)
    }

    /// Inserts the meeting's reminders (those still ahead of `now`), the goer's: mailed
    /// to them.
    private func planReminders(_ connection: PostgresConnection, for added: TeamMeeting, rules: TimingRules,
                               now: Date) throws -> [Reminder] {
        let meeting = added.meeting
        return try MeetingReminders.plan(contact: added.contactName, place: meeting.place, startsAt: meeting.startsAt,
                                         endsAt: meeting.endsAt, rules: rules, now: now).map { plan in
            let id = try connection.query("""
                INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, outreach_id, meeting_id, owner)
                VALUES (\(plan.kind.rawValue), \(plan.text), \(plan.planned.dueAt), \(plan.planned.fireAt),
                        \(plan.planned.reason), \(settings.node), \(meeting.contactID), \(meeting.outreachID), \(meeting.id),
                        \(added.by))
                RETURNING id
                """, logger: logger).wait().first!.decode(Int64.self)
            return Reminder(id: id, kind: plan.kind, text: plan.text, contactID: meeting.contactID, outreachID: meeting.outreachID,
                            dueAt: plan.planned.dueAt, fireAt: plan.planned.fireAt, reason: plan.planned.reason)
        }
    }

    /// Cancels the meeting's pending reminders (a node firing one finishes first: its
    /// row is locked, and once it is fired it is no longer pending); their ids.
    private func cancelPendingReminders(_ connection: PostgresConnection, meetingID: Int64) throws -> [Int64] {
        try connection.query("""
            UPDATE reminder SET state = 'cancelled' WHERE meeting_id = \(meetingID) AND state = 'pending' RETURNING id
            """, logger: logger).wait().map { try $0.decode(Int64.self) }
    }

    private static func mustHaveAdded(_ meeting: TeamMeeting, _ user: String, _ action: String) throws {
        guard meeting.by != user else { return }
        throw StoreError.invalidState(what: "meeting", reason: "#\(meeting.meeting.id) is \(meeting.by)'s: only who goes can \(action); ask \(meeting.by)")
    }

    static let meetingColumns = """
        meeting.id, meeting.contact_id, contact.name, meeting.outreach_id, meeting.starts_at, meeting.ends_at,
        meeting.place, meeting.notes, meeting.created_by
        """

    static func teamMeeting(_ row: PostgresRow) throws -> TeamMeeting {
        let (id, contactID, contactName, outreachID, startsAt, endsAt, place, notes, by) =
            try row.decode((Int64, Int64, String, Int64?, Date, Date, String, String?, String).self)
        return TeamMeeting(meeting: Meeting(id: id, contactID: contactID, outreachID: outreachID, startsAt: startsAt,
                                            endsAt: endsAt, place: place, notes: notes),
                           by: by, contactName: contactName)
    }
}
