import Foundation
import GRDB
import RelanceCore

/// A meeting to create: the place, time and date they offered.
public struct MeetingDraft: Sendable, Equatable {
    public var contactID: Int64
    public var outreachID: Int64?
    public var startsAt: Date
    public var duration: ISODuration
    public var place: String
    public var notes: String?

    public init(contactID: Int64, outreachID: Int64? = nil, startsAt: Date, duration: ISODuration = ISODuration(hours: 1),
                place: String, notes: String? = nil) {
        self.contactID = contactID; self.outreachID = outreachID; self.startsAt = startsAt
        self.duration = duration; self.place = place; self.notes = notes
    }
}

extension MeetingDraft {
    /// The place, trimmed, and when it ends, or why not: the checks either store makes.
    public func validated(in zone: TimeZone) throws -> (place: String, endsAt: Date) {
        let place = try Meeting.validPlace(self.place)
        if let notes { try Validation.singleLine(notes, field: "notes") }
        let end = duration.added(to: startsAt, in: zone)
        guard end > startsAt else { throw ValidationError(field: "duration", reason: "must be longer than zero") }
        return (place, end)
    }
}

extension Meeting {
    /// The meeting moved: a new start (its length kept unless `duration` is given), place
    /// or length, or why not.
    public func moved(to start: Date?, place: String?, duration: ISODuration?, in zone: TimeZone) throws -> Meeting {
        var meeting = self
        if let place { meeting.place = try Self.validPlace(place) }
        let start = start ?? startsAt
        let end = duration.map { $0.added(to: start, in: zone) } ?? start.addingTimeInterval(endsAt.timeIntervalSince(startsAt))
        guard end > start else { throw ValidationError(field: "duration", reason: "must be longer than zero") }
        meeting.startsAt = start
        meeting.endsAt = end
        return meeting
    }

    static func validPlace(_ place: String) throws -> String {
        let trimmed = place.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ValidationError(field: "place", reason: "say where, e.g. \"Café Olimpico\"") }
        try Validation.singleLine(trimmed, field: "place")
        return trimmed
    }
}

extension AppDatabase {
    /// Creates a meeting and its reminders (the day before, before leaving, the thank-you
    /// note after), in one transaction. A meeting with the same contact at the same
    /// start is refused (`StoreError.duplicateMeeting`) unless `force`.
    public func addMeeting(_ draft: MeetingDraft, force: Bool = false, rules: TimingRules, now: Date) throws -> (Meeting, ScheduleChanges) {
        try writer.write { db in try Self.addMeeting(db, draft, force: force, rules: rules, now: now) }
    }

    /// One meeting.
    public func meeting(id: Int64) throws -> Meeting {
        try writer.read { db in
            guard let record = try MeetingRecord.fetchOne(db, key: id) else { throw StoreError.meetingNotFound(id: id) }
            return record.model
        }
    }

    /// Moves a meeting (new start, place or length) and plans its reminders again with
    /// `MeetingReminders`, in ONE transaction: the pending ones are cancelled, the new
    /// plan inserted. Returns the meeting, how many were cancelled, and the changes.
    public func moveMeeting(id: Int64, startsAt: Date?, place: String?, duration: ISODuration?, rules: TimingRules,
                            now: Date) throws -> (Meeting, cancelled: Int, ScheduleChanges) {
        try writer.write { db in
            guard var meeting = try MeetingRecord.fetchOne(db, key: id) else { throw StoreError.meetingNotFound(id: id) }
            let moved = try meeting.model.moved(to: startsAt, place: place, duration: duration, in: rules.userZone)
            let (start, end) = (moved.startsAt, moved.endsAt)
            meeting.place = moved.place
            meeting.startsAt = start
            meeting.endsAt = end
            try meeting.update(db)
            let cancelled = try Self.cancelPending(db, where: "meetingId = ?", arguments: [id])
            var changes = ScheduleChanges(cancelled: cancelled)
            let contact = try Self.contact(db, id: meeting.contactId)
            for plan in MeetingReminders.plan(contact: contact.name, place: meeting.place, startsAt: start, endsAt: end,
                                              rules: rules, now: now) {
                var reminder = ReminderRecord(kind: plan.kind, text: plan.text, contactId: contact.id, outreachId: meeting.outreachId,
                                              planned: plan.planned, anchorAt: start, meetingId: id)
                try reminder.insert(db)
                changes.scheduled.append(reminder.scheduled)
            }
            return (meeting.model, cancelled.count, changes)
        }
    }

    /// Cancels a meeting in ONE transaction: its pending reminders are cancelled and the
    /// meeting is removed; its other reminders stay (unlinked), so what already fired
    /// keeps its inbox item and history. Returns the meeting as it was.
    public func cancelMeeting(id: Int64) throws -> (Meeting, cancelled: Int, ScheduleChanges) {
        try writer.write { db in
            guard let meeting = try MeetingRecord.fetchOne(db, key: id) else { throw StoreError.meetingNotFound(id: id) }
            let cancelled = try Self.cancelPending(db, where: "meetingId = ?", arguments: [id])
            try db.execute(sql: "UPDATE reminder SET meetingId = NULL WHERE meetingId = ?", arguments: [id])
            _ = try MeetingRecord.deleteOne(db, key: id)
            return (meeting.model, cancelled.count, ScheduleChanges(cancelled: cancelled))
        }
    }

    /// Upcoming meetings, soonest first.
    public func meetings(from date: Date) throws -> [Meeting] {
        try writer.read { db in
            try MeetingRecord.filter(Column("endsAt") >= date.timeIntervalSince1970).order(Column("startsAt")).fetchAll(db).map(\.model)
        }
    }

    static func addMeeting(_ db: Database, _ draft: MeetingDraft, force: Bool = false, rules: TimingRules,
                           now: Date) throws -> (Meeting, ScheduleChanges) {
        let (place, end) = try draft.validated(in: rules.userZone)
        let contact = try contact(db, id: draft.contactID)
        if !force, let twin = try MeetingRecord.filter(Column("contactId") == draft.contactID
                                                       && Column("startsAt") == draft.startsAt.timeIntervalSince1970).fetchOne(db) {
            throw StoreError.duplicateMeeting(id: twin.id!, startsAt: twin.startsAt)
        }
        var meeting = MeetingRecord(id: nil, contactId: draft.contactID, outreachId: draft.outreachID,
                                    startsAt: draft.startsAt, endsAt: end, place: place, notes: draft.notes)
        try meeting.insert(db)
        var changes = try recordInteraction(db, contactID: contact.id, outreachID: draft.outreachID, kind: .meeting,
                                            at: min(now, draft.startsAt), note: place, rules: rules)
        for plan in MeetingReminders.plan(contact: contact.name, place: place, startsAt: meeting.startsAt,
                                          endsAt: meeting.endsAt, rules: rules, now: now) {
            var reminder = ReminderRecord(kind: plan.kind, text: plan.text, contactId: contact.id, outreachId: draft.outreachID,
                                          planned: plan.planned, anchorAt: meeting.startsAt, meetingId: meeting.id)
            try reminder.insert(db)
            changes.scheduled.append(reminder.scheduled)
        }
        return (meeting.model, changes)
    }

    static func meetingPlan(_ kind: ReminderKind, meeting: MeetingRecord, rules: TimingRules, now: Date) -> PlannedTime? {
        MeetingReminders.time(kind, startsAt: meeting.startsAt, endsAt: meeting.endsAt, rules: rules, now: now)
    }
}
