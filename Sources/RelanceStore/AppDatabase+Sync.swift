import Foundation
import GRDB
import RelanceCore

/// What the store remembers of one file of a followed vdir (`[sync]`, issue #12): when it
/// was last read and what it brought, so a deleted file takes back what it brought and
/// a start reads only the files that changed while relanced was down.
public struct SyncedFile: Sendable, Equatable {
    /// One item the file brought: an event UID, or a contact (by its vCard UID, "" without one).
    public struct Item: Sendable, Equatable, Hashable {
        public var uid: String
        public var contactID: Int64?
        public init(uid: String, contactID: Int64? = nil) { self.uid = uid; self.contactID = contactID }
    }

    /// Absolute path of the .ics or .vcf.
    public var path: String
    /// `VdirStamp` of the file when last read (modification time and size).
    public var stamp: String
    public var items: [Item]

    public init(path: String, stamp: String, items: [Item]) {
        self.path = path; self.stamp = stamp; self.items = items
    }
}

/// Which kind of vdir a file belongs to.
public enum SyncKind: String, Sendable {
    case calendar, contacts
}

/// One change a vCard file of a followed address book makes (decided by the daemon's
/// planner; the store only writes it).
public enum ContactSyncMutation: Sendable, Equatable {
    /// A new contact, linked to the file.
    case add(ContactDraft)
    /// The stored contact `id` takes this content (keep-in-touch and history stay), linked to the file.
    case replace(id: Int64, ContactDraft)
    /// The stored contact `id` is already up to date: only linked to the file.
    case keep(id: Int64)
}

/// What following vdir folders needs of a store: the personal store, or a team node's
/// view of the team's (`TeamVdirStore`). Each file is applied in ONE transaction with
/// what the store remembers of it; see `AppDatabase`'s methods for the contract.
public protocol VdirStore: Sendable {
    /// The files of `kind` the store remembers under `folder` (a directory path, no trailing slash).
    func syncedFiles(_ kind: SyncKind, in folder: String) throws -> [SyncedFile]
    /// The stamp the store remembers of the file at `path` (nil: not known).
    func syncedStamp(path: String) throws -> String?
    /// Applies one calendar file; `plan` decides its events' mutations inside the transaction.
    func syncCalendarFile(path: String, stamp: String?, uids: [String], now: Date, rules: TimingRules,
                          plan: (_ stored: [NetworkingEvent], _ previous: Set<String>, _ elsewhere: Set<String>) throws -> [EventMutation])
        throws -> (added: [Int64], changes: ScheduleChanges)
    /// Applies one vCard file; `plan` decides its contacts' mutations inside the transaction.
    func syncContactsFile(path: String, stamp: String?, uids: [String], emails: [String], now: Date, rules: TimingRules,
                          plan: (_ candidates: [Contact], _ linked: [String: Int64]) throws -> [(uid: String, ContactSyncMutation)])
        throws -> (added: [Int64], updated: [Int64], changes: ScheduleChanges)
}

extension AppDatabase: VdirStore {}

extension AppDatabase {
    /// The files of `kind` the store remembers under `folder` (a directory path, no trailing slash).
    public func syncedFiles(_ kind: SyncKind, in folder: String) throws -> [SyncedFile] {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT f.path, f.stamp, i.uid, i.contactId FROM syncFile f LEFT JOIN syncFileItem i ON i.path = f.path
                WHERE f.kind = ? AND substr(f.path, 1, ?) = ? ORDER BY f.path
                """, arguments: [kind.rawValue, folder.utf8.count + 1, folder + "/"])
            var files: [SyncedFile] = []
            for row in rows {
                let path: String = row[0]
                if files.last?.path != path { files.append(SyncedFile(path: path, stamp: row[1], items: [])) }
                if let uid: String = row[2] { files[files.count - 1].items.append(.init(uid: uid, contactID: row[3])) }
            }
            return files
        }
    }

    /// The stamp the store remembers of the file at `path` (nil: not known).
    public func syncedStamp(path: String) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT stamp FROM syncFile WHERE path = ?", arguments: [path]) }
    }

    /// The file the store remembers at `path`, if any.
    static func syncedFile(_ db: Database, path: String) throws -> SyncedFile? {
        guard let stamp = try String.fetchOne(db, sql: "SELECT stamp FROM syncFile WHERE path = ?", arguments: [path]) else {
            return nil
        }
        let items = try Row.fetchAll(db, sql: "SELECT uid, contactId FROM syncFileItem WHERE path = ?", arguments: [path])
            .map { SyncedFile.Item(uid: $0[0], contactID: $0[1]) }
        return SyncedFile(path: path, stamp: stamp, items: items)
    }

    /// Records what the file at `path` brought now (nil `stamp`: the file is gone, forget it).
    static func recordSyncedFile(_ db: Database, kind: SyncKind, path: String, stamp: String?,
                                 items: [SyncedFile.Item]) throws {
        try db.execute(sql: "DELETE FROM syncFile WHERE path = ?", arguments: [path])  // its items cascade
        guard let stamp else { return }
        try db.execute(sql: "INSERT INTO syncFile (path, kind, stamp) VALUES (?, ?, ?)", arguments: [path, kind.rawValue, stamp])
        for item in Set(items) {
            try db.execute(sql: "INSERT INTO syncFileItem (path, uid, contactId) VALUES (?, ?, ?)",
                           arguments: [path, item.uid, item.contactID])
        }
    }

    /// Applies one calendar file of a followed vdir in ONE transaction: its events, the
    /// same writes as `importEvents`, and what the store remembers of the file.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - stamp: its `VdirStamp`; nil when the file was deleted.
    ///   - uids: the UIDs the file holds now (empty when deleted).
    ///   - plan: runs inside the transaction with the stored events of the file's UIDs and
    ///     of the UIDs it brought before, the UIDs it brought before, and those of them
    ///     another file of a followed folder also brings; throwing changes nothing.
    /// - Returns: the ids of the events added, and the schedule changes (also published on
    ///   the reminder feed).
    public func syncCalendarFile(path: String, stamp: String?, uids: [String], now: Date, rules: TimingRules,
                                 plan: (_ stored: [NetworkingEvent], _ previous: Set<String>, _ elsewhere: Set<String>) throws -> [EventMutation])
        throws -> (added: [Int64], changes: ScheduleChanges) {
        try writer.write { db in
            let previous = Set(try Self.syncedFile(db, path: path)?.items.map(\.uid) ?? [])
            let relevant = Array(previous.union(uids))
            let stored = relevant.isEmpty ? [] : try EventRecord.filter(relevant.contains(Column("uid")))
                .order(Column("id")).fetchAll(db).map(\.model)
            let elsewhere = relevant.isEmpty ? [] : Set(try String.fetchAll(db, SQLRequest<String>(
                sql: "SELECT DISTINCT uid FROM syncFileItem WHERE path != ? AND uid IN (\(relevant.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments([path] + relevant))))
            var added: [Int64] = []
            var changes = ScheduleChanges()
            for mutation in try plan(stored, previous, elsewhere) {
                try Self.apply(mutation, db, rules: rules, now: now, added: &added, changes: &changes)
            }
            try Self.recordSyncedFile(db, kind: .calendar, path: path, stamp: stamp, items: uids.map { .init(uid: $0) })
            return (added, changes)
        }
    }

    /// Applies one vCard file of a followed address book in ONE transaction: the contacts
    /// `plan` decides, and what the store remembers of the file. `plan` runs inside the
    /// transaction on the contacts the file may concern — those it brought before (by
    /// vCard UID, also passed), those with one of `uids`, and those whose addresses
    /// contain one of `emails` (any case; a superset: the planner compares exactly) — so a
    /// file costs one scan of the contacts in SQLite, not a read of every contact.
    /// A nil `stamp` (the file was deleted) only forgets the file: the contacts stay, with
    /// their history.
    /// - Returns: the ids of the contacts added and changed.
    public func syncContactsFile(path: String, stamp: String?, uids: [String], emails: [String], now: Date, rules: TimingRules,
                                 plan: (_ candidates: [Contact], _ linked: [String: Int64]) throws -> [(uid: String, ContactSyncMutation)])
        throws -> (added: [Int64], updated: [Int64], changes: ScheduleChanges) {
        try writer.write { db in
            var linked: [String: Int64] = [:]
            for item in try Self.syncedFile(db, path: path)?.items ?? [] { linked[item.uid] = item.contactID }
            guard stamp != nil else {
                try Self.recordSyncedFile(db, kind: .contacts, path: path, stamp: nil, items: [])
                return ([], [], ScheduleChanges())
            }
            let ids = Array(Set(linked.values))
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if !ids.isEmpty { conditions.append("id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"); arguments += ids }
            let uids = uids.filter { !$0.isEmpty }
            if !uids.isEmpty { conditions.append("uid IN (\(uids.map { _ in "?" }.joined(separator: ",")))"); arguments += uids }
            for email in Set(emails.map { $0.lowercased() }) where !email.isEmpty {
                conditions.append("instr(lower(emails), ?) > 0")
                arguments.append(email)
            }
            let contacts = conditions.isEmpty ? [] : try ContactRecord
                .filter(sql: conditions.joined(separator: " OR "), arguments: StatementArguments(arguments))
                .order(Column("id")).fetchAll(db).map(\.model)
            var added: [Int64] = [], updated: [Int64] = []
            var changes = ScheduleChanges()
            var items: [SyncedFile.Item] = []
            for (uid, mutation) in try plan(contacts, linked) {
                switch mutation {
                case .add(let draft):
                    let draft = try draft.validated()
                    var record = ContactRecord(draft: draft, now: now)
                    try record.insert(db)
                    added.append(record.id!)
                    items.append(.init(uid: uid, contactID: record.id!))
                    if draft.keepInTouch != nil {
                        changes.merge(try Self.planKeepInTouch(db, contactID: record.id!, rules: rules))
                    }
                case .replace(let id, let draft):
                    guard var record = try ContactRecord.fetchOne(db, key: id) else { throw StoreError.contactNotFound(query: String(id)) }
                    let draft = try draft.validated()
                    record.name = draft.name
                    record.update(from: draft, now: now)
                    try record.update(db)
                    updated.append(id)
                    items.append(.init(uid: uid, contactID: id))
                case .keep(let id):
                    items.append(.init(uid: uid, contactID: id))
                }
            }
            try Self.recordSyncedFile(db, kind: .contacts, path: path, stamp: stamp, items: items)
            return (added, updated, changes)
        }
    }

    /// The UIDs of the events that came from a followed vdir (not Relance's own: `[sync] publish` leaves them out).
    public func syncedEventUIDs() throws -> Set<String> {
        try writer.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT DISTINCT i.uid FROM syncFileItem i JOIN syncFile f ON f.path = i.path WHERE f.kind = 'calendar'
                """))
        }
    }
}
