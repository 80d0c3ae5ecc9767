import Foundation
import NIOConcurrencyHelpers

/// Runs blocking work (a libcurl transfer) on a thread of its own, never on Swift's
/// cooperative pool: a thread parked in `curl_easy_perform` there would starve every
/// other task in the daemon. (Commands such as sendmail need none: ``CommandRunner``
/// waits for them without holding a thread.)
///
/// A plain thread rather than a Dispatch queue: on Linux, Dispatch's pool for ordinary
/// queues is about one thread per CPU and only grows, after a delay, when its monitor
/// notices blocked workers. Mail is rare, so a thread per blocking job costs nothing
/// worth saving.
enum BlockingWork {
    /// Runs `work` on a new thread and resumes with its result. The task's cancellation
    /// is passed on through the ``CancellationFlag`` it receives.
    static func run<T: Sendable>(_ work: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                detach { continuation.resume(with: Result { try work(flag) }) }
            }
        } onCancel: {
            flag.cancel()
        }
    }

    /// Starts `body` on a new thread.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        Thread.detachNewThread(body)
    }
}

/// Tells blocking work that its task was cancelled: polled (`isCancelled`) by libcurl's
/// progress callback.
final class CancellationFlag: Sendable {
    private let cancelled = NIOLockedValueBox(false)

    var isCancelled: Bool { cancelled.withLockedValue { $0 } }

    func cancel() { cancelled.withLockedValue { $0 = true } }
}
