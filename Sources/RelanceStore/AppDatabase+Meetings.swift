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

extension AppDatabase {
    /// Creates a meeting and its reminders (the day before, before leaving, the thank-you
    /// note after), in one transaction.
    public func addMeeting(_ draft: MeetingDraft, rules: TimingRules, now: Date) throws -> (Meeting, ScheduleChanges) {
        try writer.write { db in try Self.addMeeting(db, draft, rules: rules, now: now) }
    }

    /// Upcoming meetings, soonest first.
    public func meetings(from date: Date) throws -> [Meeting] {
        try writer.read { db in
            try MeetingRecord.filter(Column("endsAt") >= date.timeIntervalSince1970).order(Column("startsAt")).fetchAll(db).map(\.model)
        }
    }

    static func addMeeting(_ db: Database, _ draft: MeetingDraft, rules: TimingRules, now: Date) throws -> (Meeting, ScheduleChanges) {
        let place = draft.place.trimmingCharacters(in: .whitespaces)
        guard !place.isEmpty else { throw ValidationError(field: "place", reason: "say where, e.g. \"Café Olimpico\"") }
        try Validation.singleLine(place, field: "place")
        if let notes = draft.notes { try Validation.singleLine(notes, field: "notes") }
        let end = draft.duration.added(to: draft.startsAt, in: rules.userZone)
        guard end > draft.startsAt else { throw ValidationError(field: "duration", reason: "must be longer than zero") }
        let contact = try contact(db, id: draft.contactID)
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
