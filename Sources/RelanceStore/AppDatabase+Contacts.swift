import Foundation
import GRDB
import RelanceCore

extension AppDatabase {
    /// Adds a validated contact.
    public func addContact(_ draft: ContactDraft, now: Date) throws -> Contact {
        let draft = try draft.validated()
        return try writer.write { db in
            var record = ContactRecord(id: nil, name: draft.name, emails: draft.emails, handles: draft.handles,
                                       organization: draft.organization, timeZone: draft.timeZone, why: draft.why,
                                       tags: draft.tags, notes: draft.notes, createdAt: now, updatedAt: now)
            try record.insert(db)
            return record.model
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

    static func contact(_ db: Database, id: Int64) throws -> Contact {
        guard let record = try ContactRecord.fetchOne(db, key: id) else {
            throw StoreError.contactNotFound(query: String(id))
        }
        return record.model
    }

    static func resolveContact(_ db: Database, _ query: String) throws -> Contact {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        if let id = Int64(trimmed) { return try contact(db, id: id) }
        let all = try ContactRecord.fetchAll(db).map(\.model)
        let options: String.CompareOptions = [.caseInsensitive, .diacriticInsensitive]
        let exact = all.filter { $0.name.compare(trimmed, options: options) == .orderedSame }
        if exact.count == 1 { return exact[0] }
        let matches = exact.isEmpty ? all.filter { $0.name.range(of: trimmed, options: options) != nil } : exact
        switch matches.count {
        case 1: return matches[0]
        case 0: throw StoreError.contactNotFound(query: trimmed)
        default: throw StoreError.ambiguousContact(query: trimmed, candidates: matches.map { "\($0.name) (#\($0.id))" })
        }
    }
}
