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
    let writer: any DatabaseWriter

    /// Opens (creating if needed) the database file in WAL mode and migrates it.
    ///
    /// WAL with `synchronous=NORMAL`: a committed transaction survives the process being
    /// killed (`kill -9`, OOM, crash); only a power loss can roll back the last commits.
    public static func open(path: String) throws -> AppDatabase {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        return try AppDatabase(pool)
    }

    /// A private in-memory database, for tests.
    public static func inMemory() throws -> AppDatabase {
        try AppDatabase(DatabaseQueue())
    }

    init(_ writer: any DatabaseWriter) throws {
        self.writer = writer
        try Self.migrator.migrate(writer)
    }

    /// The names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Tests only: every write fails (`PRAGMA query_only`) until turned off again, as
    /// when the disk is full or the file is locked.
    func failWritesForTesting(_ fail: Bool) throws {
        try writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA query_only = \(fail ? 1 : 0)") }
    }
}
