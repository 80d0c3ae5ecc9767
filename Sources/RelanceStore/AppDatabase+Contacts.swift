import Foundation
import GRDB
import RelanceCore

/// Changes to apply to a contact; nil leaves a field as it is.
public struct ContactPatch: Sendable, Equatable {
    public var name: String?
    public var emails: [String]?
    public var handles: [String: String]?
    public var organization: String?
    public var timeZone: String?
    public var why: String?
    public var tags: [String]?
    public var notes: String?
    /// `.some(nil)` clears the cadence.
    public var keepInTouch: Wait??
    /// Replace the phones, web sites (nil leaves them).
    public var phones: [String]?
    public var websites: [String]?
    /// Job, department, name parts, birthday, photo; an empty string clears one.
    public var title: String?
    public var department: String?
    public var givenName: String?
    public var familyName: String?
    public var birthday: String?
    public var photo: String?

    public init(name: String? = nil, emails: [String]? = nil, handles: [String: String]? = nil, organization: String? = nil,
                timeZone: String? = nil, why: String? = nil, tags: [String]? = nil, notes: String? = nil,
                keepInTouch: Wait?? = nil, phones: [String]? = nil, websites: [String]? = nil, title: String? = nil,
                department: String? = nil, givenName: String? = nil, familyName: String? = nil, birthday: String? = nil,
                photo: String? = nil) {
        self.name = name; self.emails = emails; self.handles = handles; self.organization = organization
        self.timeZone = timeZone; self.why = why; self.tags = tags; self.notes = notes; self.keepInTouch = keepInTouch
        self.phones = phones; self.websites = websites; self.title = title; self.department = department
        self.givenName = givenName; self.familyName = familyName; self.birthday = birthday; self.photo = photo
    }
}

extension ContactPatch {
    /// `draft` with what the patch gives (an empty text clears organization, zone, why and
    /// notes), not yet validated: the same reading on either store.
    public func applied(to draft: ContactDraft) -> ContactDraft {
        var draft = draft
        if let name { draft.name = name }
        if let emails { draft.emails = emails }
        if let handles { draft.handles = handles }
        if let organization { draft.organization = organization.isEmpty ? nil : organization }
        if let timeZone { draft.timeZone = timeZone.isEmpty ? nil : timeZone }
        if let why { draft.why = why.isEmpty ? nil : why }
        if let tags { draft.tags = tags }
        if let notes { draft.notes = notes.isEmpty ? nil : notes }
        if let keepInTouch { draft.keepInTouch = keepInTouch }
        if let phones { draft.details.phones = phones }
        if let websites { draft.details.websites = websites }
        if let title { draft.details.title = title }
        if let department { draft.details.department = department }
        if let givenName { draft.details.givenName = givenName }
        if let familyName { draft.details.familyName = familyName }
        if let birthday { draft.details.birthday = birthday }
        if let photo { draft.details.photo = photo }
        return draft
    }
}

extension ContactDraft {
    /// The contact as it stands, to patch.
    public init(_ contact: Contact) {
        self.init(name: contact.name, emails: contact.emails, handles: contact.handles, organization: contact.organization,
                  timeZone: contact.timeZone, why: contact.why, tags: contact.tags, notes: contact.notes,
                  keepInTouch: contact.keepInTouch, details: contact.details)
    }
}

extension AppDatabase {
    /// Adds a validated contact (and its keep-in-touch reminder, when it has a cadence).
    /// Refuses one that shares an e-mail address or profile URL with another contact
    /// (`StoreError.duplicateContact`) unless `allowDuplicate`.
    public func addContact(_ draft: ContactDraft, now: Date, rules: TimingRules? = nil,
                           allowDuplicate: Bool = false) throws -> (Contact, ScheduleChanges) {
        let draft = try draft.validated()
        return try writer.write { db in
            if !allowDuplicate { try Self.refuseDuplicate(db, draft) }
            var record = ContactRecord(draft: draft, now: now)
            try record.insert(db)
            var changes = ScheduleChanges()
            if let rules { changes.merge(try Self.planKeepInTouch(db, contactID: record.id!, rules: rules)) }
            return (record.model, changes)
        }
    }

    /// Applies `patch`; a new zone re-plans the contact's pending follow-ups, a new
    /// cadence its keep-in-touch reminder — in the same transaction.
    public func updateContact(id: Int64, _ patch: ContactPatch, now: Date, rules: TimingRules) throws -> (Contact, ScheduleChanges) {
        try writer.write { db in
            guard var record = try ContactRecord.fetchOne(db, key: id) else { throw StoreError.contactNotFound(query: String(id)) }
            let before = record
            let applied = patch.applied(to: record.draft)
            let draft = try applied.validated()
            record.name = draft.name
            record.emails = draft.emails
            record.details = draft.details
            record.handles = applied.handles
            record.organization = applied.organization
            record.timeZone = applied.timeZone
            record.why = applied.why
            record.tags = applied.tags
            record.notes = applied.notes
            record.keepInTouch = applied.keepInTouch
            record.updatedAt = now
            try record.update(db)
            var changes = ScheduleChanges()
            if before.timeZone != record.timeZone {
                changes.merge(try Self.replan(db, rules: rules, now: now, filter: "contactId = ? AND kind IN \([ReminderKind.followUp, .letGo].sqlList)", arguments: [id]))
            }
            if before.keepInTouch != record.keepInTouch {
                changes.merge(try Self.planKeepInTouch(db, contactID: id, rules: rules))
            }
            return (record.model, changes)
        }
    }

    /// Logs something that happened with a contact ("we talked at the conference"): it
    /// pushes the keep-in-touch reminder out.
    public func touchContact(id: Int64, at date: Date, note: String?, rules: TimingRules) throws -> ScheduleChanges {
        if let note { try Validation.singleLine(note, field: "note") }
        return try writer.write { db in
            _ = try Self.contact(db, id: id)
            return try Self.recordInteraction(db, contactID: id, outreachID: nil, kind: .touch, at: date, note: note, rules: rules)
        }
    }

    /// Every contact, by name.
    public func contacts() throws -> [Contact] {
        try writer.read { db in
            try ContactRecord.order(Column("name").collating(.localizedCaseInsensitiveCompare), Column("id")).fetchAll(db).map(\.model)
        }
    }

    /// The contact with this id.
    public func contact(id: Int64) throws -> Contact {
        try writer.read { db in try Self.contact(db, id: id) }
    }

    /// The contact a person means by `query`: an id, an exact name, or a part of one
    /// name (case- and accent-insensitive) that no other contact shares.
    public func resolveContact(_ query: String) throws -> Contact {
        try writer.read { db in try Self.resolveContact(db, query) }
    }

    /// The last interaction with a contact (its creation if none).
    public func lastInteraction(contactID: Int64) throws -> Date {
        try writer.read { db in try Self.lastInteraction(db, contactID: contactID) }
    }

    static func contact(_ db: Database, id: Int64) throws -> Contact {
        guard let record = try ContactRecord.fetchOne(db, key: id) else {
            throw StoreError.contactNotFound(query: String(id))
        }
        return record.model
    }

    static func resolveContact(_ db: Database, _ query: String) throws -> Contact {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        if let id = Int64(trimmed) { return try contact(db, id: id) }
        return try ContactLookup.byName(trimmed, among: try ContactRecord.fetchAll(db).map(\.model))
    }

    static func lastInteraction(_ db: Database, contactID: Int64) throws -> Date {
        let latest = try Double.fetchOne(db, sql: """
            SELECT MAX(at) FROM interaction WHERE contactId = ? AND kind NOT IN \([NonInteraction.autoReply, .bounce].sqlList)
            """, arguments: [contactID])
        if let latest { return Date(timeIntervalSince1970: latest) }
        return try contact(db, id: contactID).createdAt
    }

    /// Records an interaction and moves the contact's keep-in-touch reminder.
    static func recordInteraction(_ db: Database, contactID: Int64, outreachID: Int64?, kind: String, at date: Date,
                                  note: String?, rules: TimingRules) throws -> ScheduleChanges {
        var interaction = InteractionRecord(id: nil, contactId: contactID, outreachId: outreachID, kind: kind, at: date, note: note)
        try interaction.insert(db)
        return try planKeepInTouch(db, contactID: contactID, rules: rules)
    }

    static func recordInteraction(_ db: Database, contactID: Int64, outreachID: Int64?, kind: InteractionKind, at date: Date,
                                  note: String?, rules: TimingRules) throws -> ScheduleChanges {
        try recordInteraction(db, contactID: contactID, outreachID: outreachID, kind: kind.rawValue, at: date, note: note, rules: rules)
    }

    /// Replaces the contact's pending keep-in-touch reminder with one counted from the
    /// last interaction (none without a cadence).
    static func planKeepInTouch(_ db: Database, contactID: Int64, rules: TimingRules) throws -> ScheduleChanges {
        var changes = ScheduleChanges(cancelled: try Int64.fetchAll(db, sql: """
            UPDATE reminder SET state = \(ReminderState.cancelled.sql)
            WHERE contactId = ? AND kind = \(ReminderKind.keepInTouch.sql) AND state = \(ReminderState.pending.sql) RETURNING id
            """, arguments: [contactID]))
        let contact = try contact(db, id: contactID)
        guard let cadence = contact.keepInTouch else { return changes }
        let last = try lastInteraction(db, contactID: contactID)
        var reminder = ReminderRecord(
            kind: .keepInTouch, text: ReminderText.keepInTouch(contact: contact.name, since: last, zone: rules.userZone),
            contactId: contactID, planned: Planner.keepInTouch(lastInteraction: last, cadence: cadence, rules: rules),
            anchorAt: last)
        try reminder.insert(db)
        changes.scheduled.append(reminder.scheduled)
        return changes
    }
}
