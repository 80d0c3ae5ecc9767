import Foundation
import GRDB
import RelanceCore

/// The one owner of Relance's SQLite database.
///
/// Every public write method is one transaction that keeps the invariants (a reminder
/// fires once; firing inserts its inbox item in the same transaction). GRDB types stay
/// inside this module so another store can come later without touching the core or the
/// daemon (DESIGN.md, "Later, teams…").
public final class AppDatabase: Sendable {
    let writer: StoreWriter
    /// Checkpoints the WAL off the writer (nil in memory).
    let checkpointer: WALCheckpointer?

    /// Opens (creating if needed) the database file in WAL mode and migrates it.
    ///
    /// WAL with `synchronous=NORMAL`: a committed transaction survives the process being
    /// killed (`kill -9`, OOM, crash); only a power loss can roll back the last commits.
    ///
    /// The WAL is checkpointed in the background, never inside a commit (see
    /// `WALCheckpointer`); `checkpointPages` is the log size, in pages, that asks for one.
    public static func open(path: String) throws -> AppDatabase {
        try open(path: path, checkpointPages: WALCheckpointer.defaultThreshold)
    }

    static func open(path: String, checkpointPages: Int32) throws -> AppDatabase {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        var configuration = Configuration()
        let checkpointer = WALCheckpointer(path: path, threshold: checkpointPages)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A log that a burst grew is cut back to 16 MiB when it starts over.
            try db.execute(sql: "PRAGMA journal_size_limit = \(16 << 20)")
            // Replaces SQLite's automatic checkpoint on this connection (the hook is the
            // automatic checkpoint's own mechanism): no commit ever checkpoints.
            checkpointer.install(on: db)
        }
        configuration.busyMode = .timeout(Double(busyTimeoutMilliseconds) / 1000)
        let pool = try DatabasePool(path: path, configuration: configuration)
        return try AppDatabase(pool, checkpointer: checkpointer)
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue())
    }

    /// How long a write waits for another process's write lock before giving up.
    static let busyTimeoutMilliseconds: Int32 = 5000

    init(_ writer: any DatabaseWriter, checkpointer: WALCheckpointer? = nil) throws {
        self.writer = StoreWriter(writer)
        self.checkpointer = checkpointer
        try Self.migrator.migrate(writer)
    }

    /// The names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// True for a failure of the database itself (disk full, lock timeout, I/O error,
    /// a read-only or damaged file), as opposed to a refusal of the input: callers answer
    /// it as "the store is unavailable", never by closing the connection.
    public static func isStoreFailure(_ error: any Error) -> Bool { error is DatabaseError }

    /// Tests only: every write fails (its commit is refused, as when the disk is full
    /// or the file is locked) until turned off again.
    func failWritesForTesting(_ fail: Bool) throws {
        FailingCommits.shared.set(fail, for: ObjectIdentifier(self))
        if fail { writer.add(transactionObserver: FailingCommits.Observer(database: ObjectIdentifier(self)), extent: .databaseLifetime) }
    }
}

/// Tests only: refuses commits of the databases it is told to (see `failWritesForTesting`).
final class FailingCommits: @unchecked Sendable {  // guarded by `lock`
    static let shared = FailingCommits()
    private let lock = NSLock()
    private var failing: Set<ObjectIdentifier> = []

    func set(_ fail: Bool, for database: ObjectIdentifier) {
        lock.withLock { if fail { failing.insert(database) } else { failing.remove(database) } }
    }

    func fails(_ database: ObjectIdentifier) -> Bool { lock.withLock { failing.contains(database) } }

    final class Observer: TransactionObserver, @unchecked Sendable {
        let database: ObjectIdentifier
        init(database: ObjectIdentifier) { self.database = database }
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseWillCommit() throws {
            // A DatabaseError, as SQLite's own SQLITE_FULL would be.
            if FailingCommits.shared.fails(database) { throw DatabaseError(resultCode: .SQLITE_FULL, message: "injected: disk full") }
        }
        func databaseDidCommit(_ db: Database) {}
        func databaseDidRollback(_ db: Database) {}
    }
}
