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
    /// A changed occurrence's RECURRENCE-ID (see `NetworkingEvent.occurrenceID`).
    public var occurrenceID: OccurrenceID?
    /// The calendar version it comes from (imports).
    public var version: EventVersion
    /// A whole-day event (see `NetworkingEvent.isAllDay`).
    public var isAllDay: Bool

    public init(uid: String, title: String, start: LocalDateTime, timeZone: String, duration: TimeInterval,
                place: String? = nil, url: String? = nil, details: String? = nil, rsvpBy: Date? = nil,
                recurrence: EventRecurrence? = nil, reminders: [ISODuration]? = nil, occurrenceID: OccurrenceID? = nil,
                version: EventVersion = EventVersion(), isAllDay: Bool = false) {
        self.isAllDay = isAllDay
        self.uid = uid; self.title = title; self.start = start; self.timeZone = timeZone; self.duration = duration
        self.place = place; self.url = url; self.details = details; self.rsvpBy = rsvpBy
        self.recurrence = recurrence; self.reminders = reminders; self.occurrenceID = occurrenceID; self.version = version
    }

    /// The content of `event` (its id aside), e.g. one an import planned.
    public init(_ event: NetworkingEvent) {
        self.init(uid: event.uid, title: event.title, start: event.start, timeZone: event.timeZone, duration: event.duration,
                  place: event.place, url: event.url, details: event.details, rsvpBy: event.rsvpBy,
                  recurrence: event.recurrence, reminders: event.reminders, occurrenceID: event.occurrenceID,
                  version: event.version, isAllDay: event.isAllDay)
    }
}

extension AppDatabase {
    /// Creates an event (nothing scheduled yet: the caller materialises occurrences).
    public func addEvent(_ draft: EventDraft, rules: TimingRules, now: Date) throws -> NetworkingEvent {
        try Self.validate(draft)
        return try writer.write { db in try Self.insertEvent(db, draft, rules: rules, now: now) }
    }

    static func validate(_ draft: EventDraft) throws { try draft.validate() }
}

extension EventDraft {
    /// The checks every store makes before it writes an event (the personal store and a
    /// team's): a one-line title, place and url, an IANA zone, a positive length.
    public func validate() throws {
        let draft = self
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

    /// What stores keep of the title: without its outer spaces.
    public var storedTitle: String { title.trimmingCharacters(in: .whitespaces) }
}

extension AppDatabase {
    static func insertEvent(_ db: Database, _ draft: EventDraft, rules: TimingRules, now: Date) throws -> NetworkingEvent {
        try insertEventRecord(db, draft, rules: rules, now: now).model
    }

    /// Inserts the event; returns its record as stored (with its id).
    static func insertEventRecord(_ db: Database, _ draft: EventDraft, rules: TimingRules, now: Date) throws -> EventRecord {
        let key = draft.occurrenceID?.key
        if try EventRecord.filter(Column("uid") == draft.uid && Column("occurrenceId") == key).fetchCount(db) > 0 {
            throw StoreError.invalidState(what: "uid", reason: "an event with UID \(draft.uid)"
                                          + (key.map { " and RECURRENCE-ID \($0)" } ?? "") + " exists already")
        }
        var record = EventRecord(id: nil, uid: draft.uid, title: draft.storedTitle,
                                 start: draft.start.description, timeZone: draft.timeZone, durationSeconds: draft.duration,
                                 place: draft.place, url: draft.url, details: draft.details, rsvpBy: draft.rsvpBy,
                                 recurrence: draft.recurrence, reminders: draft.reminders ?? rules.eventReminders,
                                 createdAt: now, occurrenceId: key, sequence: draft.version.sequence,
                                 revisedAt: draft.version.stamp, allDay: draft.isAllDay)
        try record.insert(db)
        return record
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
            return try Self.insertOccurrences(db, event, occurrences, rules: rules, now: now) { occurrence, _ in
                !existing.contains(occurrence.timeIntervalSince1970)
            }
        }
    }

    static func eventPlan(_ kind: ReminderKind, offset: String?, occurrence: Date, event: EventRecord,
                          rules: TimingRules, now: Date) -> PlannedTime? {
        EventReminders.time(kind, offset: offset, occurrence: occurrence, duration: event.durationSeconds,
                            rsvpBy: event.rsvpBy, rules: rules, now: now, allDay: event.allDay)
    }
}

extension EventRecord {
    var model: NetworkingEvent {
        NetworkingEvent(id: id!, uid: uid, title: title, start: LocalDateTime(start)!, timeZone: timeZone,
                        duration: durationSeconds, place: place, url: url, details: details, rsvpBy: rsvpBy,
                        recurrence: recurrence, reminders: reminders, occurrenceID: occurrenceId.flatMap(OccurrenceID.init(key:)),
                        version: EventVersion(sequence: sequence, stamp: revisedAt), isAllDay: allDay)
    }
}

extension AppDatabase {
    /// Replaces an event's fields with `draft` (same UID) and plans the reminders of its
    /// future occurrences again, in ONE transaction: the pending reminders of
    /// occurrences after `now` are cancelled, and `occurrences` (the caller expanded
    /// them from the new draft) get `EventReminders`' plan, less the reminders that
    /// already fired for the same occurrence and lead.
    public func updateEvent(id: Int64, _ draft: EventDraft, occurrences: [Date], rules: TimingRules,
                            now: Date) throws -> (NetworkingEvent, cancelled: Int, ScheduleChanges) {
        try Self.validate(draft)
        return try writer.write { db in try Self.replaceEvent(db, id: id, draft, occurrences: occurrences, rules: rules, now: now) }
    }

    /// `updateEvent`'s writes, inside the caller's transaction.
    static func replaceEvent(_ db: Database, id: Int64, _ draft: EventDraft, occurrences: [Date], rules: TimingRules,
                             now: Date) throws -> (NetworkingEvent, cancelled: Int, ScheduleChanges) {
        guard var record = try EventRecord.fetchOne(db, key: id) else { throw StoreError.eventNotFound(id: id) }
        record.title = draft.storedTitle
        record.start = draft.start.description
        record.timeZone = draft.timeZone
        record.durationSeconds = draft.duration
        record.place = draft.place
        record.url = draft.url
        record.details = draft.details
        record.rsvpBy = draft.rsvpBy
        record.recurrence = draft.recurrence
        record.reminders = draft.reminders ?? record.reminders
        record.sequence = draft.version.sequence
        record.revisedAt = draft.version.stamp
        record.allDay = draft.isAllDay
        try record.update(db)
        let cancelled = try Self.cancelPending(db, where: "eventId = ? AND anchorAt > ?",
                                               arguments: [id, now.timeIntervalSince1970])
        var changes = ScheduleChanges(cancelled: cancelled)
        let fired = Set(try Row.fetchAll(db, sql: """
            SELECT anchorAt, kind, offset FROM reminder WHERE eventId = ? AND state = \(ReminderState.fired.sql)
            """, arguments: [id]).map { row -> String in
                let anchor: Double = row[0]; let kind: String = row[1]; let offset: String? = row[2]
                return "\(anchor)|\(kind)|\(offset ?? "")"
            })
        changes.merge(try Self.insertOccurrences(db, record, occurrences, rules: rules, now: now) { occurrence, plan in
            !fired.contains("\(occurrence.timeIntervalSince1970)|\(plan.kind.rawValue)|\(plan.offset ?? "")")
        })
        return (record.model, cancelled.count, changes)
    }

    /// Removes an event in ONE transaction: its pending reminders are cancelled, the
    /// others stay (unlinked) with their inbox items. Returns the event as it was.
    public func removeEvent(id: Int64) throws -> (NetworkingEvent, cancelled: Int, ScheduleChanges) {
        try writer.write { db in try Self.deleteEvent(db, id: id) }
    }

    /// `removeEvent`'s writes, inside the caller's transaction.
    static func deleteEvent(_ db: Database, id: Int64) throws -> (NetworkingEvent, cancelled: Int, ScheduleChanges) {
        guard let record = try EventRecord.fetchOne(db, key: id) else { throw StoreError.eventNotFound(id: id) }
        let cancelled = try Self.cancelPending(db, where: "eventId = ?", arguments: [id])
        try db.execute(sql: "UPDATE reminder SET eventId = NULL WHERE eventId = ?", arguments: [id])
        _ = try EventRecord.deleteOne(db, key: id)
        return (record.model, cancelled.count, ScheduleChanges(cancelled: cancelled))
    }

    /// Skips one occurrence in ONE transaction: `exdate` (its wall-clock start) joins
    /// the event's exceptions, the pending reminders of `occurrence` (its instant) are
    /// cancelled, and `occurrences` (the caller's new look-ahead) get reminders where
    /// they have none.
    public func skipOccurrence(eventID: Int64, exdate: LocalDateTime, occurrence: Date, occurrences: [Date],
                               rules: TimingRules, now: Date) throws -> (NetworkingEvent, cancelled: Int, ScheduleChanges) {
        try writer.write { db in
            guard var record = try EventRecord.fetchOne(db, key: eventID) else { throw StoreError.eventNotFound(id: eventID) }
            var recurrence = record.recurrence ?? EventRecurrence(rrule: nil)
            if !recurrence.exdates.contains(exdate) { recurrence.exdates.append(exdate) }
            record.recurrence = recurrence
            try record.update(db)
            let cancelled = try Self.cancelPending(db, where: "eventId = ? AND anchorAt = ?",
                                                   arguments: [eventID, occurrence.timeIntervalSince1970])
            var changes = ScheduleChanges(cancelled: cancelled)
            let existing = Set(try Double.fetchAll(db, sql: "SELECT DISTINCT anchorAt FROM reminder WHERE eventId = ?",
                                                   arguments: [eventID]))
            changes.merge(try Self.insertOccurrences(db, record, occurrences.filter { !existing.contains($0.timeIntervalSince1970) },
                                                     rules: rules, now: now) { _, _ in true })
            return (record.model, cancelled.count, changes)
        }
    }

    /// Inserts `EventReminders`' plan for each occurrence, the plans `keep` accepts.
    static func insertOccurrences(_ db: Database, _ event: EventRecord, _ occurrences: [Date], rules: TimingRules, now: Date,
                                  keep: (Date, ReminderPlan) -> Bool) throws -> ScheduleChanges {
        var changes = ScheduleChanges()
        // One cached statement for every row, as `addReminders` does: a calendar import
        // inserts up to hundreds of thousands of these inside its one transaction, and a
        // record built and encoded per row was most of the time other writes waited
        // (BENCHMARKS.md, "Longest write"). The columns are ReminderRecord's for a
        // pending event reminder; the others keep their defaults (NULL).
        let insert = try db.cachedStatement(sql: """
            INSERT INTO reminder (kind, text, dueAt, fireAt, reason, state, anchorAt, eventId, offset)
            VALUES (?, ?, ?, ?, ?, \(ReminderState.pending.sql), ?, ?, ?)
            """)
        for occurrence in occurrences {
            for plan in EventReminders.plan(title: event.title, place: event.place, occurrence: occurrence,
                                            duration: event.durationSeconds, rsvpBy: event.rsvpBy,
                                            leads: event.reminders, rules: rules, now: now, allDay: event.allDay) where keep(occurrence, plan) {
                try insert.execute(arguments: [plan.kind.rawValue, plan.text, plan.planned.dueAt.timeIntervalSince1970,
                                               plan.planned.fireAt.timeIntervalSince1970, plan.planned.reason,
                                               occurrence.timeIntervalSince1970, event.id, plan.offset])
                changes.scheduled.append(ScheduledReminder(id: db.lastInsertedRowID, due: plan.planned.fireAt))
            }
        }
        return changes
    }
}
