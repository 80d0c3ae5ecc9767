import Dispatch
import Foundation
import GRDB
import GRDBSQLite

/// Keeps the write-ahead log bounded without ever checkpointing on the writer.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses 1 000 WAL pages, on
/// the writer's thread: that commit (a firing, a `Remind`) then waits for the copy and
/// its `fdatasync` (≈ 13 ms here; issue #15). Installing a WAL hook on each connection
/// replaces that automatic checkpoint (`sqlite3_wal_autocheckpoint` is itself a WAL
/// hook); after a commit leaves `threshold` pages or more in the log, the hook asks for
/// one PASSIVE checkpoint on a serial background queue, through a connection of its own.
/// A passive checkpoint takes no lock a writer or reader waits on; once it has copied
/// the whole log, the next write starts the log over from its beginning, so the file
/// stays near `threshold` pages (`journal_size_limit` truncates it back if a burst grew it).
final class WALCheckpointer: @unchecked Sendable {  // `connection` touched on `queue` only; the rest under `lock`
    /// Pages in the log that ask for a checkpoint: SQLite's own default.
    static let defaultThreshold: Int32 = 1_000

    let path: String
    let threshold: Int32
    private let queue = DispatchQueue(label: "relance.store.checkpoint")
    private let lock = NSLock()
    private var requested = false
    private var largestLog: Int32 = 0
    private var previousLog: Int32 = 0
    private var nextRequestAt: Int32
    private var connection: OpaquePointer?
    private var completed = 0
    private var asked = 0
    private var lastResult: (result: Int32, log: Int32, copied: Int32) = (0, 0, 0)

    init(path: String, threshold: Int32 = WALCheckpointer.defaultThreshold) {
        self.path = path
        self.threshold = threshold
        self.nextRequestAt = threshold
    }

    deinit {
        if let connection { sqlite3_close_v2(connection) }
    }

    /// Installs the hook on `db` (every connection of the pool: only the writer commits).
    func install(on db: Database) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, { context, _, _, pages in
            let checkpointer = Unmanaged<WALCheckpointer>.fromOpaque(context!).takeUnretainedValue()
            checkpointer.committed(logPages: pages)
            return SQLITE_OK
        }, context)
    }

    /// After a commit that left `logPages` pages in the log: asks for one checkpoint
    /// when they reach the threshold, unless one is already waiting to run.
    ///
    /// While commits keep coming, a checkpoint running beside them cannot leave the log
    /// fully copied, so the log does not start over and stays above the threshold; asking
    /// again after every commit would run checkpoints back to back, each with its two
    /// `fdatasync`s. So the next one is asked for only once `threshold` more pages have
    /// been written; past four times the threshold (a long burst the checkpoints could
    /// not catch up with), after every commit again, so the log is caught up and bounded.
    func committed(logPages: Int32) {
        let ask = lock.withLock {
            largestLog = max(largestLog, logPages)
            if logPages < previousLog { nextRequestAt = threshold }  // it started over
            previousLog = logPages
            guard logPages >= nextRequestAt || logPages >= 4 * threshold, !requested else { return false }
            requested = true
            asked += 1
            nextRequestAt = logPages + threshold
            return true
        }
        if ask { queue.async { self.run() } }
    }

    /// The most pages the log held after a commit since the last call (tests).
    func takeLargestLog() -> Int32 {
        lock.withLock {
            defer { largestLog = 0 }
            return largestLog
        }
    }

    /// Waits until the checkpoints asked for so far have run (tests).
    func settle() { queue.sync {} }

    private func run() {
        lock.withLock { requested = false }
        if connection == nil {
            var handle: OpaquePointer?
            guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
                sqlite3_close_v2(handle)
                return
            }
            // Its own closing must not checkpoint the log again; busy: give up, the next
            // commit over the threshold asks again.
            sqlite3_exec(handle, "PRAGMA wal_autocheckpoint = 0", nil, nil, nil)
            // A connection learns the file is in WAL mode on its first read; until then
            // a checkpoint does nothing (and reports -1 pages).
            sqlite3_exec(handle, "SELECT count(*) FROM sqlite_master", nil, nil, nil)
            connection = handle
        }
        var logPages: Int32 = 0
        var copied: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &logPages, &copied)
        lock.withLock { completed += 1; lastResult = (result, logPages, copied) }
    }

    /// Checkpoints asked for so far (tests count them).
    var requests: Int { lock.withLock { asked } }

    /// Checkpoints run so far (tests count them).
    var count: Int { lock.withLock { completed } }

    /// The last checkpoint's result code, pages in the log and pages copied (tests).
    var last: (result: Int32, log: Int32, copied: Int32) { lock.withLock { lastResult } }
}
