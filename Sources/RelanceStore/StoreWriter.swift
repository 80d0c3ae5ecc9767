import Foundation
import GRDB
import GRDBSQLite

/// The database, with its writes passing a gate one at a time (SQLite has one writer and
/// GRDB queues them anyway). The gate is what lets a caller that must not wait learn
/// that another write holds the writer, instead of blocking: see
/// `AppDatabase.withoutWaiting`. Reads do not pass it (WAL readers never wait for the
/// writer).
struct StoreWriter: Sendable {
    let database: any DatabaseWriter
    private let gate = Gate()

    init(_ database: any DatabaseWriter) { self.database = database }

    func read<T>(_ value: (Database) throws -> T) throws -> T { try database.read(value) }

    func write<T>(_ updates: (Database) throws -> T) throws -> T {
        try gate.pass { waiting in
            guard !waiting else { return try database.write(updates) }
            // GRDB's `write`, with SQLite's busy timeout off for this transaction: another
            // process holding the file's write lock (an `sqlite3` shell) refuses the
            // attempt too, instead of holding the caller for the timeout. A refused
            // transaction is rolled back, so nothing is written.
            return try database.writeWithoutTransaction { db in
                sqlite3_busy_timeout(db.sqliteConnection, 0)
                defer { sqlite3_busy_timeout(db.sqliteConnection, AppDatabase.busyTimeoutMilliseconds) }
                var result: T?
                do {
                    try db.inTransaction {
                        result = try updates(db)
                        return .commit
                    }
                } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                    throw AppDatabase.WriterBusy()
                }
                return result!
            }
        }
    }

    func writeWithoutTransaction<T>(_ updates: (Database) throws -> T) throws -> T {
        try gate.pass { _ in try database.writeWithoutTransaction(updates) }
    }

    func add(transactionObserver: some TransactionObserver, extent: Database.TransactionObservationExtent) {
        database.add(transactionObserver: transactionObserver, extent: extent)
    }

    private final class Gate: Sendable {
        private let lock = NSLock()

        /// Runs `body` once no other write is in; `body` learns whether its caller may wait.
        func pass<T>(_ body: (_ waiting: Bool) throws -> T) throws -> T {
            if let attempt = NoWaitAttempt.current, !attempt.tried {
                // Only the call's first write may be refused: nothing is written before it,
                // so the caller can run the whole call again elsewhere.
                attempt.tried = true
                guard lock.try() else { throw AppDatabase.WriterBusy() }
                defer { lock.unlock() }
                return try body(false)
            }
            lock.lock()
            defer { lock.unlock() }
            return try body(true)
        }
    }
}

/// Marks a call running under `AppDatabase.withoutWaiting` (a task-local, so it holds
/// for the synchronous code the call runs, on whatever thread).
final class NoWaitAttempt: @unchecked Sendable {  // touched by one call, on one thread at a time
    @TaskLocal static var current: NoWaitAttempt?
    var tried = false
}

extension AppDatabase {
    /// Another write holds the writer: `withoutWaiting` gave up before writing anything.
    public struct WriterBusy: Error {}

    /// Runs `body`, whose first write throws `WriterBusy` instead of waiting when another
    /// write holds the writer. Nothing is written before that write, so a caller that
    /// catches `WriterBusy` runs `body` again where waiting is allowed. A later write in
    /// the same body waits as usual: keep it to calls that write once.
    ///
    /// For a control call answered on its connection's event loop (issue #15): a short
    /// transaction there spares two thread switches, but the loop must never wait behind
    /// an import or a burst of firings.
    public static func withoutWaiting<T>(_ body: () throws -> T) throws -> T {
        try NoWaitAttempt.$current.withValue(NoWaitAttempt(), operation: body)
    }
}
