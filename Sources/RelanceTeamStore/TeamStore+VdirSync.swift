import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// A team node following vdir folders (`[sync]`, issue #16) as its user: each file is
/// applied as the personal store applies it, in ONE transaction with what the node
/// remembers of it (team schema v18). The events a file brings are the user's (they go
/// to them), its new contacts are theirs; a contact it updates keeps its owner. The files
/// are on the node's own disk, so the node remembers them under its name; a UID another
/// node's followed file also brings is not taken back when this node's file goes.
public struct TeamVdirStore: VdirStore {
    let store: TeamStore
    /// The team user the node acts as.
    let user: String

    public init(store: TeamStore, user: String) {
        self.store = store
        self.user = user
    }

    private var node: String { store.settings.node }

    public func syncedFiles(_ kind: SyncKind, in folder: String) throws -> [SyncedFile] {
        try store.withConnection { connection in
            let rows = try connection.query("""
                SELECT f.path, f.stamp, i.uid, i.contact_id FROM sync_file f
                LEFT JOIN sync_file_item i ON i.node = f.node AND i.path = f.path
                WHERE f.node = \(node) AND f.kind = \(kind.rawValue) AND starts_with(f.path, \(folder + "/"))
                ORDER BY f.path
                """, logger: store.logger).wait()
            var files: [SyncedFile] = []
            for row in rows {
                let (path, stamp, uid, contactID) = try row.decode((String, String, String?, Int64?).self)
                if files.last?.path != path { files.append(SyncedFile(path: path, stamp: stamp, items: [])) }
                if let uid { files[files.count - 1].items.append(.init(uid: uid, contactID: contactID)) }
            }
            return files
        }
    }

    public func syncedStamp(path: String) throws -> String? {
        try store.withConnection { connection in
            try connection.query("SELECT stamp FROM sync_file WHERE node = \(node) AND path = \(path)", logger: store.logger)
                .wait().first?.decode(String.self)
        }
    }

    public func syncCalendarFile(path: String, stamp: String?, uids: [String], now: Date, rules: TimingRules,
                                 plan: (_ stored: [NetworkingEvent], _ previous: Set<String>, _ elsewhere: Set<String>) throws -> [EventMutation])
        throws -> (added: [Int64], changes: ScheduleChanges) {
        let result = try store.transaction { connection in
            // Imports and followed files wait for each other: two never both add a UID.
            try store.run(connection, "SELECT pg_advisory_xact_lock(\(TeamStore.eventImportLock))")
            let previous = Set(try items(connection, path: path).map(\.uid))
            let relevant = Array(previous.union(uids))
            let stored = try connection.query("""
                SELECT \(unescaped: TeamStore.eventColumns) FROM event WHERE uid = ANY(\(relevant)) ORDER BY id
                """, logger: store.logger).wait().map(TeamStore.teamEvent).map(\.event)
            let elsewhere = Set(try connection.query("""
                SELECT DISTINCT uid FROM sync_file_item
                WHERE uid = ANY(\(relevant)) AND NOT (node = \(node) AND path = \(path))
                """, logger: store.logger).wait().map { try $0.decode(String.self) })
            let applied = try store.applyEventMutations(connection, try plan(stored, previous, elsewhere), owner: user,
                                                         rules: rules, now: now)
            try record(connection, kind: .calendar, path: path, stamp: stamp, items: uids.map { .init(uid: $0) })
            return applied
        }
        if !result.changes.isEmpty { store.listener.tellLocally(result.changes) }
        return result
    }

    public func syncContactsFile(path: String, stamp: String?, uids: [String], emails: [String], now: Date, rules: TimingRules,
                                 plan: (_ candidates: [Contact], _ linked: [String: Int64]) throws -> [(uid: String, ContactSyncMutation)])
        throws -> (added: [Int64], updated: [Int64], changes: ScheduleChanges) {
        let result = try store.transaction { connection in
            // As an import: no other add slips in between the plan and its writes.
            try store.run(connection, "SELECT pg_advisory_xact_lock(\(TeamStore.contactLock))")
            var linked: [String: Int64] = [:]
            for item in try items(connection, path: path) { linked[item.uid] = item.contactID }
            guard stamp != nil else {
                try record(connection, kind: .contacts, path: path, stamp: nil, items: [])
                return (added: [Int64](), updated: [Int64](), changes: ScheduleChanges())
            }
            // The contacts the file may concern (a superset: the planner compares exactly).
            let ids = Set(linked.values), wantedUIDs = Set(uids.filter { !$0.isEmpty })
            let addresses = Set(emails.map { $0.lowercased() })
            let candidates = try store.contacts(connection).map(\.contact).filter { contact in
                ids.contains(contact.id) || contact.details.uid.map(wantedUIDs.contains) == true
                    || contact.emails.contains { addresses.contains($0.lowercased()) }
            }.sorted { $0.id < $1.id }
            var added: [Int64] = [], updated: [Int64] = []
            var changes = ScheduleChanges()
            var items: [SyncedFile.Item] = []
            for (uid, mutation) in try plan(candidates, linked) {
                switch mutation {
                case .add(let draft):
                    let contact = try store.insertContact(connection, try draft.validated(), owner: user, now: now).contact
                    added.append(contact.id)
                    items.append(.init(uid: uid, contactID: contact.id))
                    if contact.keepInTouch != nil {
                        changes.merge(try store.planKeepInTouch(connection, contactID: contact.id, rules: rules))
                    }
                case .replace(let id, var draft):
                    // The card's fields; the contact's keep-in-touch and owner stay.
                    draft.keepInTouch = try store.contact(connection, id: id).contact.keepInTouch
                    _ = try store.writeContact(connection, id: id, try draft.validated())
                    updated.append(id)
                    items.append(.init(uid: uid, contactID: id))
                case .keep(let id):
                    items.append(.init(uid: uid, contactID: id))
                }
            }
            try record(connection, kind: .contacts, path: path, stamp: stamp, items: items)
            return (added: added, updated: updated, changes: changes)
        }
        if !result.changes.isEmpty { store.listener.tellLocally(result.changes) }
        return result
    }

    /// The UIDs of the events that came from a followed vdir, on any node (`[sync]
    /// publish` leaves them out).
    public func syncedEventUIDs() throws -> Set<String> {
        try store.withConnection { connection in
            Set(try connection.query("""
                SELECT DISTINCT i.uid FROM sync_file_item i
                JOIN sync_file f ON f.node = i.node AND f.path = i.path WHERE f.kind = 'calendar'
                """, logger: store.logger).wait().map { try $0.decode(String.self) })
        }
    }

    // MARK: In a transaction

    private func items(_ connection: PostgresConnection, path: String) throws -> [SyncedFile.Item] {
        try connection.query("SELECT uid, contact_id FROM sync_file_item WHERE node = \(node) AND path = \(path)",
                             logger: store.logger).wait().map { row in
            let (uid, contactID) = try row.decode((String, Int64?).self)
            return SyncedFile.Item(uid: uid, contactID: contactID)
        }
    }

    /// Records what the file at `path` brought now (nil `stamp`: the file is gone, forget it).
    private func record(_ connection: PostgresConnection, kind: SyncKind, path: String, stamp: String?,
                        items: [SyncedFile.Item]) throws {
        try store.run(connection, "DELETE FROM sync_file WHERE node = \(node) AND path = \(path)")  // its items cascade
        guard let stamp else { return }
        try store.run(connection, "INSERT INTO sync_file (node, path, kind, stamp) VALUES (\(node), \(path), \(kind.rawValue), \(stamp))")
        for item in Set(items) {
            try store.run(connection, """
                INSERT INTO sync_file_item (node, path, uid, contact_id) VALUES (\(node), \(path), \(item.uid), \(item.contactID))
                """)
        }
    }
}
