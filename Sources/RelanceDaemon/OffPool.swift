import NIOPosix

/// Runs synchronous store work (SQLite through GRDB) on threads of its own, never on
/// Swift's cooperative pool: a call waiting for the write lock (up to the busy timeout)
/// or for the disk would otherwise hold one of the pool's few threads (two on a two-core
/// machine) and stall every other task in the daemon.
///
/// A NIO thread pool rather than a concurrent Dispatch queue: work on libdispatch's
/// global (non-overcommit) queues starts its thread-pool monitor, a 1 Hz timer that then
/// wakes the process for ever; these threads sleep until there is work.
enum OffPool {
    /// Enough for every reader and one writer waiting on the lock; SQLite serialises
    /// writers anyway.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()
    private static let marker = ThreadSpecificVariable<Marker>()
    private final class Marker: Sendable {}

    /// True on a store-call thread (tests check where handlers run).
    static var isCurrent: Bool { marker.currentValue != nil }

    /// Runs `body` on a store-call thread and suspends until it returns.
    ///
    /// Called from an event loop (a control call), the caller resumes on that same loop:
    /// resumed from the pool thread instead, Swift's global executor (NIO's loops) would
    /// pick the next loop round-robin, and the reply's write would then hop back to the
    /// connection's loop: two more thread switches per call (issue #15).
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let work: @Sendable () throws -> T = {
            if marker.currentValue == nil { marker.currentValue = Marker() }
            return try body()
        }
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop {
            return try await pool.runIfActive(eventLoop: loop, work).get()
        }
        return try await pool.runIfActive(work)
    }
}
