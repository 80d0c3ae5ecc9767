import Foundation
import GRDB
import RelanceCore

/// One change an import makes to the address book.
public enum ContactMutation: Sendable, Equatable {
    /// A new contact; `firstInteraction` (LinkedIn's "Connected On") starts its
    /// keep-in-touch clock.
    case add(ContactDraft, firstInteraction: Date?)
    /// An existing contact with fields filled in (the whole new value).
    case update(Contact)
}

/// One change a calendar import makes to the events; occurrences are the start instants
/// whose reminders to plan (the caller expanded them, `EventPlanner.lookahead` of them).
public enum EventMutation: Sendable, Equatable {
    /// A new event, with its first occurrences.
    case add(EventDraft, occurrences: [Date])
    /// A newer version of a stored event: its fields replaced, the pending reminders of
    /// its future occurrences re-planned.
    case update(id: Int64, EventDraft, occurrences: [Date])
    /// A newer version that changes nothing: only the version is kept.
    case recordVersion(id: Int64, EventVersion)
    /// A cancelled event: removed, its pending reminders cancelled.
    case remove(id: Int64)
    /// Occurrences of a stored series left out (a changed or cancelled occurrence): the
    /// EXDATEs added, their pending reminders cancelled, and `occurrences` (the look-ahead
    /// without them) planned where they have no reminders yet.
    case exclude(id: Int64, exdates: [LocalDateTime], occurrences: [Date])
}

extension AppDatabase {
    /// Applies an import in ONE transaction. `plan` runs inside it, on the contacts as
    /// they are at that moment, so a concurrent change cannot slip between planning and
    /// writing; throwing from it (or any write failing) changes nothing.
    /// - Returns: the ids of the contacts added and updated, and the schedule changes.
    public func importContacts(now: Date, rules: TimingRules,
                               plan: ([Contact]) throws -> [ContactMutation]) throws -> (added: [Int64], updated: [Int64], changes: ScheduleChanges) {
        try writer.write { db in try Self.applyContactImport(db, now: now, rules: rules, plan: plan) }
    }

    /// `importContacts`' writes, inside the caller's transaction.
    static func applyContactImport(_ db: Database, now: Date, rules: TimingRules,
                                   plan: ([Contact]) throws -> [ContactMutation]) throws -> (added: [Int64], updated: [Int64], changes: ScheduleChanges) {
        let existing = try ContactRecord.order(Column("id")).fetchAll(db).map(\.model)
        var added: [Int64] = [], updated: [Int64] = []
        var changes = ScheduleChanges()
        for mutation in try plan(existing) {
            switch mutation {
            case .add(let draft, let firstInteraction):
                let draft = try draft.validated()
                var record = ContactRecord(draft: draft, now: now)
                try record.insert(db)
                added.append(record.id!)
                if let firstInteraction {
                    var interaction = InteractionRecord(id: nil, contactId: record.id!, outreachId: nil, kind: "connected",
                                                        at: firstInteraction, note: "first connected")
                    try interaction.insert(db)
                }
                // A new contact has no reminder to replace: plan only a cadence it has.
                if draft.keepInTouch != nil {
                    changes.merge(try Self.planKeepInTouch(db, contactID: record.id!, rules: rules))
                }
            case .update(let contact):
                guard var record = try ContactRecord.fetchOne(db, key: contact.id) else {
                    throw StoreError.contactNotFound(query: String(contact.id))
                }
                let draft = try ContactDraft(name: contact.name, emails: contact.emails, handles: contact.handles,
                                             organization: contact.organization, timeZone: contact.timeZone,
                                             why: contact.why, tags: contact.tags, notes: contact.notes,
                                             keepInTouch: contact.keepInTouch, details: contact.details).validated()
                record.update(from: draft, now: now)
                try record.update(db)
                updated.append(record.id!)
            }
        }
        return (added, updated, changes)
    }

    /// Applies a calendar import in ONE transaction. `plan` runs inside it, on the events
    /// as they are at that moment (so a concurrent edit cannot slip between planning and
    /// writing); throwing from it, or any write failing, changes nothing.
    /// - Returns: the ids of the events added, and the schedule changes (also published
    ///   on the reminder feed).
    public func importEvents(now: Date, rules: TimingRules,
                             plan: ([NetworkingEvent]) throws -> [EventMutation]) throws -> (added: [Int64], changes: ScheduleChanges) {
        try importEvents(now: now, rules: rules) { stored, _ in (try plan(stored), [:]) }
    }

    /// `importEvents`, with the cancelled series Relance remembers (UID → the version that
    /// cancelled it, issue #12) given to `plan`, which returns, with its mutations, the
    /// series to remember as cancelled (a version) or to forget (nil: brought back by a
    /// newer version), written in the same transaction.
    public func importEvents(now: Date, rules: TimingRules,
                             plan: ([NetworkingEvent], [String: EventVersion]) throws
                                 -> (mutations: [EventMutation], cancelled: [String: EventVersion?])) throws
        -> (added: [Int64], changes: ScheduleChanges) {
        try writer.write { db in try Self.applyEventImport(db, now: now, rules: rules, plan: plan) }
    }

    /// Contacts and calendars imported together (issue #12), in ONE transaction: the
    /// contacts' plan and writes, then the events'; a throw from either plan, or any
    /// write failing, changes nothing of either.
    public func importContactsAndEvents(now: Date, rules: TimingRules,
                                        contacts: ([Contact]) throws -> [ContactMutation],
                                        events: ([NetworkingEvent], [String: EventVersion]) throws
                                            -> (mutations: [EventMutation], cancelled: [String: EventVersion?])) throws
        -> (contacts: (added: [Int64], updated: [Int64], changes: ScheduleChanges), events: (added: [Int64], changes: ScheduleChanges)) {
        try writer.write { db in
            (try Self.applyContactImport(db, now: now, rules: rules, plan: contacts),
             try Self.applyEventImport(db, now: now, rules: rules, plan: events))
        }
    }

    /// `importEvents`' writes, inside the caller's transaction.
    static func applyEventImport(_ db: Database, now: Date, rules: TimingRules,
                                 plan: ([NetworkingEvent], [String: EventVersion]) throws
                                     -> (mutations: [EventMutation], cancelled: [String: EventVersion?])) throws
        -> (added: [Int64], changes: ScheduleChanges) {
        let (mutations, cancelled) = try plan(try EventRecord.order(Column("id")).fetchAll(db).map(\.model),
                                              try Self.cancelledSeries(db))
        for (uid, version) in cancelled.sorted(by: { $0.key < $1.key }) {
            if let version {
                try db.execute(sql: """
                    INSERT INTO cancelledEvent (uid, sequence, revisedAt, cancelledAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT(uid) DO UPDATE SET sequence = excluded.sequence, revisedAt = excluded.revisedAt
                    """, arguments: [uid, version.sequence, version.stamp?.timeIntervalSince1970, now.timeIntervalSince1970])
            } else {
                try db.execute(sql: "DELETE FROM cancelledEvent WHERE uid = ?", arguments: [uid])
            }
        }
        return try Self.apply(db, mutations, rules: rules, now: now)
    }

    /// The series cancelled in earlier imports: UID → the version that cancelled it.
    public func cancelledSeries() throws -> [String: EventVersion] {
        try writer.read { db in try Self.cancelledSeries(db) }
    }

    static func cancelledSeries(_ db: Database) throws -> [String: EventVersion] {
        var remembered: [String: EventVersion] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT uid, sequence, revisedAt FROM cancelledEvent") {
            let stamp: Double? = row[2]
            remembered[row[0]] = EventVersion(sequence: row[1], stamp: stamp.map(Date.init(timeIntervalSince1970:)))
        }
        return remembered
    }

    /// The writes of an import's mutations, inside its transaction.
    static func apply(_ db: Database, _ mutations: [EventMutation], rules: TimingRules, now: Date) throws -> (added: [Int64], changes: ScheduleChanges) {
        var added: [Int64] = []
        var changes = ScheduleChanges()
        for mutation in mutations {
            try Self.apply(mutation, db, rules: rules, now: now, added: &added, changes: &changes)
        }
        return (added, changes)
    }

    /// One calendar mutation's writes, inside the caller's transaction (a file import
    /// and a vdir sync share them).
    static func apply(_ mutation: EventMutation, _ db: Database, rules: TimingRules, now: Date,
                      added: inout [Int64], changes: inout ScheduleChanges) throws {
        switch mutation {
        case .add(let draft, let occurrences):
            try Self.validate(draft)
            let record = try Self.insertEventRecord(db, draft, rules: rules, now: now)
            added.append(record.model.id)
            changes.merge(try Self.insertOccurrences(db, record, occurrences, rules: rules, now: now) { _, _ in true })
        case .update(let id, let draft, let occurrences):
            try Self.validate(draft)
            changes.merge(try Self.replaceEvent(db, id: id, draft, occurrences: occurrences, rules: rules, now: now).2)
        case .recordVersion(let id, let version):
            try db.execute(sql: "UPDATE event SET sequence = ?, revisedAt = ? WHERE id = ?",
                           arguments: [version.sequence, version.stamp?.timeIntervalSince1970, id])
        case .remove(let id):
            changes.merge(try Self.deleteEvent(db, id: id).2)
        case .exclude(let id, let exdates, let occurrences):
            guard var record = try EventRecord.fetchOne(db, key: id) else { throw StoreError.eventNotFound(id: id) }
            var recurrence = record.recurrence ?? EventRecurrence(rrule: nil)
            let zone = record.model.zone
            let missing = exdates.filter { !recurrence.exdates.contains($0) }
            guard !missing.isEmpty else { return }
            recurrence.exdates += missing
            record.recurrence = recurrence
            try record.update(db)
            for exdate in missing {
                changes.cancelled += try Self.cancelPending(db, where: "eventId = ? AND anchorAt = ?",
                                                            arguments: [id, exdate.instant(in: zone).timeIntervalSince1970])
            }
            let existing = Set(try Double.fetchAll(db, sql: "SELECT DISTINCT anchorAt FROM reminder WHERE eventId = ?",
                                                   arguments: [id]))
            changes.merge(try Self.insertOccurrences(db, record, occurrences.filter { !existing.contains($0.timeIntervalSince1970) },
                                                     rules: rules, now: now) { _, _ in true })
        }
    }

    /// Adds several events in ONE transaction; any invalid one aborts them all.
    public func addEvents(_ drafts: [EventDraft], rules: TimingRules, now: Date) throws -> [NetworkingEvent] {
        for draft in drafts { try Self.validate(draft) }
        return try writer.write { db in
            try drafts.map { draft in try Self.insertEvent(db, draft, rules: rules, now: now) }
        }
    }
}
