import Foundation
import GRDB
import RelanceCore

/// One automatic snapshot: a complete SQLite copy of the store.
public struct SnapshotEntry: Sendable, Equatable {
    /// The file name without `.sqlite`: `20261130-150749-remove-contact` (UTC).
    public var id: String
    /// When it was taken (whole seconds, from its name).
    public var takenAt: Date
    /// "daily", or the command it came before ("remove-contact").
    public var reason: String
    /// Its size in bytes.
    public var size: Int
    /// Its path.
    public var path: String
}

/// Why a snapshot could not be taken or found.
public enum SnapshotError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No snapshot has this id.
    case notFound(id: String)
    /// Taking one failed (disk full, no permission).
    case failed(reason: String)

    public var description: String {
        switch self {
        case .notFound(let id): "no snapshot '\(id)'"
        case .failed(let reason): "cannot take a snapshot: \(reason)"
        }
    }
}

/// The automatic snapshots of a store file, kept in one directory (`snapshots/` beside
/// the database) for a number of days: the safety net under every destructive command.
///
/// A snapshot is `VACUUM INTO` a temporary name, then renamed: a listing never shows a
/// half-written file, and a crash leaves only a `.taking-*` file the next prune removes.
/// An in-memory store has no shelf.
public final class SnapshotShelf: @unchecked Sendable {  // `lock` guards taking and pruning
    /// Where the snapshots live.
    public let directory: String
    private let database: AppDatabase
    private let keepDays: @Sendable () -> Int
    private let lock = NSLock()

    /// A day, in seconds: the retention unit and the "daily" period.
    static let day: TimeInterval = 86_400

    /// - Parameter keepDays: read at every prune, so a reloaded configuration applies.
    public init(database: AppDatabase, directory: String, keepDays: @escaping @Sendable () -> Int) {
        self.database = database
        self.directory = directory
        self.keepDays = keepDays
    }

    /// Held while the start-up's daily snapshot is being taken in the background:
    /// whoever lists, takes or restores a snapshot waits for it, so clients see the
    /// same shelf as if it had been taken before the daemon served.
    private let startUp = DispatchGroup()

    /// Takes the daily snapshot (if due) on a queue of its own, off the start-up path;
    /// `done` gets what happened.
    public func takeDailyInBackground(now: Date, done: @escaping @Sendable (Result<SnapshotEntry?, any Error>) -> Void) {
        startUp.enter()
        DispatchQueue(label: "io.relance.daily-snapshot").async { [self] in
            let result = Result { try takeDailyIfDue(now: now) }
            startUp.leave()
            done(result)
        }
    }

    /// Waits for the start-up snapshot, if one is being taken.
    private func settle() { startUp.wait() }

    /// How many days snapshots are kept, as configured now.
    public var keepingDays: Int { keepDays() }

    /// Takes a snapshot now, then deletes those older than the retention.
    @discardableResult
    public func take(reason: String, now: Date) throws -> SnapshotEntry {
        if reason != "daily" { settle() }
        lock.lock()
        defer { lock.unlock() }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw SnapshotError.failed(reason: "cannot create \(directory): \(error.localizedDescription)")
        }
        // Unique by name: a second snapshot in the same second is named a second later.
        var stamp = now.timeIntervalSince1970.rounded(.down)
        var id = Self.id(at: stamp, reason: reason)
        while FileManager.default.fileExists(atPath: path(of: id)) {
            stamp += 1
            id = Self.id(at: stamp, reason: reason)
        }
        let partial = directory + "/.taking-" + id + ".sqlite"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            try database.vacuum(into: partial)
            try FileManager.default.moveItem(atPath: partial, toPath: path(of: id))
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw SnapshotError.failed(reason: "\(error)")
        }
        prune(now: now)
        guard let entry = entry(id) else { throw SnapshotError.failed(reason: "\(path(of: id)) vanished") }
        return entry
    }

    /// Takes a "daily" snapshot when the newest is more than a day old (or there is none).
    @discardableResult
    public func takeDailyIfDue(now: Date) throws -> SnapshotEntry? {
        if let newest = unsettledList().first, now.timeIntervalSince(newest.takenAt) < Self.day { return nil }
        return try take(reason: "daily", now: now)
    }

    /// The snapshots, newest first.
    public func list() -> [SnapshotEntry] {
        settle()
        return unsettledList()
    }

    /// The snapshots, newest first, without waiting for the start-up one.
    private func unsettledList() -> [SnapshotEntry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in
            guard name.hasSuffix(".sqlite") else { return nil }
            return entry(String(name.dropLast(".sqlite".count)))
        }.sorted { ($0.takenAt, $0.id) > ($1.takenAt, $1.id) }
    }

    /// The snapshot with this id; `SnapshotError.notFound` otherwise (an id is never a
    /// path: it cannot name a file outside the directory).
    public func snapshot(id: String) throws -> SnapshotEntry {
        settle()
        guard let entry = entry(id) else { throw SnapshotError.notFound(id: id) }
        return entry
    }

    /// Replaces the store's state with a snapshot's, in one transaction (see
    /// `AppDatabase.restore(snapshotFile:)`).
    public func restore(id: String) throws {
        try database.restore(snapshotFile: try snapshot(id: id).path, scratchDirectory: directory)
    }

    /// Deletes snapshots older than the retention, and leftovers of interrupted ones.
    public func prune(now: Date) {
        let limit = now.addingTimeInterval(-Double(keepDays()) * Self.day)
        for entry in unsettledList() where entry.takenAt < limit { try? FileManager.default.removeItem(atPath: entry.path) }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.hasPrefix(".taking-") || name.hasPrefix(".restoring-") {
            let path = directory + "/" + name
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? now
            if now.timeIntervalSince(modified) > 3600 { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    private func path(of id: String) -> String { directory + "/" + id + ".sqlite" }

    private func entry(_ id: String) -> SnapshotEntry? {
        guard let (takenAt, reason) = Self.parse(id) else { return nil }
        let path = path(of: id)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        return SnapshotEntry(id: id, takenAt: takenAt, reason: reason, size: (attributes[.size] as? Int) ?? 0, path: path)
    }

    /// `20261130-150749-remove-contact`, in UTC.
    static func id(at seconds: TimeInterval, reason: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds)) + "-" + reason
    }

    /// The instant and reason an id encodes; nil for anything else (a path, a stray file).
    static func parse(_ id: String) -> (Date, String)? {
        let parts = id.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 8, parts[1].count == 6,
              parts[0].allSatisfy(\.isASCII), parts[0].allSatisfy(\.isNumber), parts[1].allSatisfy(\.isNumber),
              !parts[2].isEmpty, parts[2].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        guard let date = formatter.date(from: "\(parts[0])-\(parts[1])") else { return nil }
        return (date, String(parts[2]))
    }
}

extension AppDatabase {
    /// Writes a consistent copy of the whole database to `path` (`VACUUM INTO`: compact,
    /// and readable without the WAL). Outside any transaction, on the writer, so no write
    /// is half in it.
    func vacuum(into path: String) throws {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM INTO ?", arguments: [path])
        }
    }

    /// Replaces the whole state with that of a snapshot file, in ONE transaction.
    ///
    /// The snapshot is copied to a scratch file and opened as a store of its own, which
    /// migrates a snapshot taken by an older Relance forward (the snapshot itself is
    /// never modified); its state is then read as a backup document and restored through
    /// the very path `Restore` uses for JSON backups, with its checks (unknown tables and
    /// columns, foreign keys). Copying table by table through `ATTACH` would be faster but
    /// would need the two schemas to match column for column.
    public func restore(snapshotFile path: String, scratchDirectory: String) throws {
        let scratch = scratchDirectory + "/.restoring-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let document: Data
        do {
            try FileManager.default.copyItem(atPath: path, toPath: scratch)
            let copy = try AppDatabase(DatabaseQueue(path: scratch))
            document = try copy.snapshot(createdAt: ProcessClock.now())
        } catch {
            throw RestoreError(reason: "cannot read the snapshot \(path): \(error)")
        }
        try restore(document, force: true)
    }
}
