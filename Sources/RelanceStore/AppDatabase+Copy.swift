import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif
import RelanceCore

extension AppDatabase {
    /// Reads a personal store file for a team store to take (`relancectl migrate`),
    /// leaving the file as it is: its bytes (and its write-ahead log's, if any) are read
    /// through one descriptor each into a private temporary copy, which SQLite opens,
    /// brings up to date if its schema is older, and reads; the copy is then removed. So
    /// SQLite never opens the file itself (it would leave a `-shm` file owned by the
    /// node beside it), and the owner checked is the owner of the very bytes read.
    ///
    /// - Parameter owner: with a uid, a file (or log) owned by anyone else is refused.
    /// - Throws: `PersonalStoreCopyError` naming the file and what to do: missing,
    ///   unreadable, someone else's, not SQLite, not a Relance store, a newer schema than
    ///   this build knows, or one older than v6 (no identity yet to record copies under).
    public static func readCopy(path: String, owner: uid_t? = nil) throws -> PersonalStoreCopy {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relance-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("relance.sqlite").path
        // Never nil: a missing file throws. Whose it is comes first, then whether it is in use.
        let main = try readFile(path, owner: owner, missingIsError: true) ?? Data()
        try refuseIfInUse(path)
        try main.write(to: URL(fileURLWithPath: copy))
        if let log = try readFile(path + "-wal", owner: owner, missingIsError: false), !log.isEmpty {
            try log.write(to: URL(fileURLWithPath: copy + "-wal"))
        }

        let queue: DatabaseQueue
        let applied: Set<String>
        let identity: String
        do {
            queue = try DatabaseQueue(path: copy)
            (applied, identity) = try queue.read { db in
                (try migrator.appliedIdentifiers(db), try db.tableExists("bookkeeping") ? try Self.messageNamespace(db) : "")
            }
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw PersonalStoreCopyError(.notSQLite, path: path, "\(path) is not a SQLite database (\(error.message ?? "\(error.resultCode)")); give the path of your personal store (relance.sqlite)")
        }
        guard applied.contains("v1: contacts, outreach, reminders, inbox") else {
            throw PersonalStoreCopyError(.notARelanceStore, path: path, "\(path) is a SQLite database but not a Relance store (no Relance schema in it); give the path of your personal store (relance.sqlite)")
        }
        if let newer = applied.subtracting(migrator.migrations).sorted().first {
            throw PersonalStoreCopyError(.newerSchema, path: path, "\(path) was written by a newer Relance (schema \"\(newer)\" is unknown to this node); upgrade relanced on this node, then migrate again")
        }
        guard !identity.isEmpty else {
            throw PersonalStoreCopyError(.olderSchema, path: path, "\(path) was written by an older Relance (before schema v6); start your personal relanced on it once to update it, stop it, then migrate again")
        }
        // Brought up to date in the copy only: the file keeps its schema.
        let store = try AppDatabase(queue)
        return try store.writer.read { db in
            let contacts = try ContactRecord.fetchAll(db, sql: "SELECT * FROM contact ORDER BY id").map(\.model)
            let outreach = try OutreachRecord.fetchAll(db, sql: "SELECT * FROM outreach ORDER BY id").map(\.model)
            let meetings = try MeetingRecord.fetchAll(db, sql: "SELECT * FROM meeting ORDER BY id").map(\.model)
            let reminders = try ReminderRecord.fetchAll(db, sql: "SELECT * FROM reminder WHERE state = 'pending' ORDER BY id")
                .map { PersonalStoreCopy.PendingReminder(reminder: $0.model, step: $0.step, anchor: $0.anchorAt, movedAt: $0.movedAt,
                                                         meetingID: $0.meetingId, eventID: $0.eventId, leadOffset: $0.offset) }
            let events = try EventRecord.fetchAll(db, sql: "SELECT * FROM event ORDER BY id").map(\.model)
            return PersonalStoreCopy(identity: identity, contacts: contacts, outreach: outreach, meetings: meetings,
                                     reminders: reminders, events: events)
        }
    }

    /// Refuses a store a daemon has open: its reminders would fire twice (there and from
    /// the team), and bytes read under its writes may not be whole. Every SQLite
    /// connection to a WAL database holds a shared POSIX lock on byte 128 of its `-shm`
    /// file (the "DMS" lock of SQLite's unix VFS) while open; asking who would block a
    /// write lock there (`F_GETLK`) takes no lock and names the holder's pid. A `-shm`
    /// the node cannot open tells nothing: the copy goes on.
    private static func refuseIfInUse(_ path: String) throws {
        let fd = Glibc.open(path + "-shm", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else { return }
        defer { Glibc.close(fd) }
        var probe = flock()
        probe.l_type = Int16(F_WRLCK)
        probe.l_whence = Int16(SEEK_SET)
        probe.l_start = 128
        probe.l_len = 1
        guard fcntl(fd, F_GETLK, &probe) == 0, probe.l_type != Int16(F_UNLCK) else { return }
        throw PersonalStoreCopyError(.inUse, path: path, "\(path) is open in a running program (pid \(probe.l_pid), your personal relanced?): stop it first (`systemctl --user stop relanced`), so its reminders do not also fire from the team and the copy is whole, then migrate again")
    }

    /// The most a migrate reads of a store file (and of its log): it is copied whole.
    static let copyLimit = 1 << 30

    /// The bytes of a regular file (`OwnedFile`); nil for a missing file unless
    /// `missingIsError`.
    private static func readFile(_ path: String, owner: uid_t?, missingIsError: Bool) throws -> Data? {
        do {
            return try OwnedFile.read(path, owner: owner, limit: copyLimit)
        } catch .missing {
            guard missingIsError else { return nil }
            throw PersonalStoreCopyError(.missing, path: path, "\(path): no such file; give the path of your personal store (by default ~/.local/state/relance/relance.sqlite)")
        } catch .unreadable(let reason) {
            throw PersonalStoreCopyError(.unreadable, path: path, "\(path): the team node (uid \(getuid())) cannot read it (\(reason)); make a copy it can read (e.g. `install -m 0644 \(path) /tmp/relance-personal.sqlite`) and migrate that")
        } catch .notARegularFile {
            throw PersonalStoreCopyError(.notSQLite, path: path, "\(path) is not a regular file; give the path of your personal store (relance.sqlite)")
        } catch .tooLarge(let bytes) {
            throw PersonalStoreCopyError(.unreadable, path: path, "\(path) is \(bytes >> 20) MiB, over the \(copyLimit >> 20) MiB a migrate reads; compact it first (`sqlite3 \(path) VACUUM`, with its daemon stopped) and migrate again")
        } catch .notYours(let fileOwner) {
            throw PersonalStoreCopyError(.notYours, path: path, "\(path) belongs to uid \(fileOwner), not to you (uid \(owner ?? 0)): migrate your own personal store; its owner can migrate theirs")
        }
    }
}
