import Dispatch

/// Runs synchronous store work (SQLite through GRDB) on a Dispatch queue of its own,
/// never on Swift's cooperative pool: a call waiting for the write lock (up to the busy
/// timeout) or for the disk would otherwise hold one of the pool's few threads (two on a
/// two-core machine) and stall every other task in the daemon. This is what GRDB's async
/// API does inside (its writer queue runs the work; the caller suspends); one hop here
/// keeps every store method usable from both the scheduler's queue and async code.
enum OffPool {
    private static let queue: DispatchQueue = {
        let queue = DispatchQueue(label: "io.relance.store-calls", qos: .userInitiated, attributes: .concurrent)
        queue.setSpecific(key: key, value: ())
        return queue
    }()
    private static let key = DispatchSpecificKey<Void>()

    /// True on the store-call queue (tests check where handlers run).
    static var isCurrent: Bool { DispatchQueue.getSpecific(key: key) != nil }

    /// Runs `body` on the store-call queue and suspends until it returns.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
