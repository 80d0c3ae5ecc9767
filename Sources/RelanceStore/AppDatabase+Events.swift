import Foundation
import GRDB
import RelanceCore

/// An event to create or import.
public struct EventDraft: Sendable, Equatable {
    public var uid: String
    public var title: String
    public var start: LocalDateTime
    public var timeZone: String
    public var duration: TimeInterval
    public var place: String?
    public var url: String?
    public var details: String?
    public var rsvpBy: Date?
    public var recurrence: EventRecurrence?
    /// Before each occurrence; nil for the configured defaults.
    public var reminders: [ISODuration]?

    public init(uid: String, title: String, start: LocalDateTime, timeZone: String, duration: TimeInterval,
                place: String? = nil, url: String? = nil, details: String? = nil, rsvpBy: Date? = nil,
                recurrence: EventRecurrence? = nil, reminders: [ISODuration]? = nil) {
        self.uid = uid; self.title = title; self.start = start; self.timeZone = timeZone; self.duration = duration
        self.place = place; self.url = url; self.details = details; self.rsvpBy = rsvpBy
        self.recurrence = recurrence; self.reminders = reminders
    }
}

extension AppDatabase {
    /// Creates an event (nothing scheduled yet: the caller materialises occurrences).
    public func addEvent(_ draft: EventDraft, rules: TimingRules, now: Date) throws -> NetworkingEvent {
        try Self.validate(draft)
        return try writer.write { db in try Self.insertEvent(db, draft, rules: rules, now: now) }
    }

    static func validate(_ draft: EventDraft) throws {
        let title = draft.title.trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty else { throw ValidationError(field: "title", reason: "must not be empty") }
        try Validation.singleLine(title, field: "title")
        for (field, value) in [("place", draft.place), ("url", draft.url)] {
            if let value { try Validation.singleLine(value, field: field) }
        }
        guard TimeZone(identifier: draft.timeZone) != nil else {
            throw ValidationError(field: "timeZone", reason: "'\(draft.timeZone)' is not an IANA time zone")
        }
        guard draft.duration > 0 else { throw ValidationError(field: "until", reason: "must be after the start") }
    }

    static func insertEvent(_ db: Database, _ draft: EventDraft, rules: TimingRules, now: Date) throws -> NetworkingEvent {
        if try EventRecord.filter(Column("uid") == draft.uid).fetchCount(db) > 0 {
            throw StoreError.invalidState(what: "uid", reason: "an event with UID \(draft.uid) exists already")
        }
        var record = EventRecord(id: nil, uid: draft.uid, title: draft.title.trimmingCharacters(in: .whitespaces),
                                 start: draft.start.description, timeZone: draft.timeZone, durationSeconds: draft.duration,
                                 place: draft.place, url: draft.url, details: draft.details, rsvpBy: draft.rsvpBy,
                                 recurrence: draft.recurrence, reminders: draft.reminders ?? rules.eventReminders,
                                 createdAt: now)
        try record.insert(db)
        return record.model
    }

    /// Every event, by first start.
    public func events() throws -> [NetworkingEvent] {
        try writer.read { db in try EventRecord.order(Column("id")).fetchAll(db).map(\.model) }
    }

    public func event(id: Int64) throws -> NetworkingEvent? {
        try writer.read { db in try EventRecord.fetchOne(db, key: id)?.model }
    }

    /// Events with occurrences still to come (recurring ones, or single ones not past).
    public func eventIDs() throws -> [Int64] {
        try writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM event") }
    }

    /// The occurrence starts that already have reminders.
    public func materializedOccurrences(eventID: Int64) throws -> Set<Date> {
        try writer.read { db in
            Set(try Double.fetchAll(db, sql: "SELECT DISTINCT anchorAt FROM reminder WHERE eventId = ?", arguments: [eventID])
                .map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Inserts the reminders of occurrences (start instants) not yet materialised, in
    /// one transaction. Reminders already in the past are skipped.
    public func materialize(eventID: Int64, occurrences: [Date], rules: TimingRules, now: Date) throws -> ScheduleChanges {
        try writer.write { db in
            guard let event = try EventRecord.fetchOne(db, key: eventID) else { return ScheduleChanges() }
            let existing = Set(try Double.fetchAll(db, sql: "SELECT DISTINCT anchorAt FROM reminder WHERE eventId = ?",
                                                   arguments: [eventID]))
            var changes = ScheduleChanges()
            for occurrence in occurrences where !existing.contains(occurrence.timeIntervalSince1970) {
                for plan in EventReminders.plan(title: event.title, place: event.place, occurrence: occurrence,
                                                duration: event.durationSeconds, rsvpBy: event.rsvpBy,
                                                leads: event.reminders, rules: rules, now: now) {
                    var reminder = ReminderRecord(kind: plan.kind, text: plan.text, planned: plan.planned, anchorAt: occurrence,
                                                  eventId: eventID, offset: plan.offset)
                    try reminder.insert(db)
                    changes.scheduled.append(reminder.scheduled)
                }
            }
            return changes
        }
    }

    static func eventPlan(_ kind: ReminderKind, offset: String?, occurrence: Date, event: EventRecord,
                          rules: TimingRules, now: Date) -> PlannedTime? {
        EventReminders.time(kind, offset: offset, occurrence: occurrence, duration: event.durationSeconds,
                            rsvpBy: event.rsvpBy, rules: rules, now: now)
    }
}

extension EventRecord {
    var model: NetworkingEvent {
        NetworkingEvent(id: id!, uid: uid, title: title, start: LocalDateTime(start)!, timeZone: timeZone,
                        duration: durationSeconds, place: place, url: url, details: details, rsvpBy: rsvpBy,
                        recurrence: recurrence, reminders: reminders)
    }
}
