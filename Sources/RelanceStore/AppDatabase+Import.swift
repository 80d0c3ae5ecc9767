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

extension AppDatabase {
    /// Applies an import in ONE transaction. `plan` runs inside it, on the contacts as
    /// they are at that moment, so a concurrent change cannot slip between planning and
    /// writing; throwing from it (or any write failing) changes nothing.
    /// - Returns: the ids of the contacts added and updated, and the schedule changes.
    public func importContacts(now: Date, rules: TimingRules,
                               plan: ([Contact]) throws -> [ContactMutation]) throws -> (added: [Int64], updated: [Int64], changes: ScheduleChanges) {
        try writer.write { db in
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
                    record.emails = draft.emails
                    record.handles = draft.handles
                    record.organization = draft.organization
                    record.timeZone = draft.timeZone
                    record.why = draft.why
                    record.tags = draft.tags
                    record.notes = draft.notes
                    record.details = draft.details
                    record.updatedAt = now
                    try record.update(db)
                    updated.append(record.id!)
                }
            }
            return (added, updated, changes)
        }
    }

    /// The UIDs of the events already stored (imports are idempotent by UID).
    public func eventUIDs() throws -> Set<String> {
        try writer.read { db in Set(try String.fetchAll(db, sql: "SELECT uid FROM event")) }
    }

    /// Adds several events in ONE transaction; any invalid one aborts them all.
    public func addEvents(_ drafts: [EventDraft], rules: TimingRules, now: Date) throws -> [NetworkingEvent] {
        for draft in drafts { try Self.validate(draft) }
        return try writer.write { db in
            try drafts.map { draft in try Self.insertEvent(db, draft, rules: rules, now: now) }
        }
    }
}
