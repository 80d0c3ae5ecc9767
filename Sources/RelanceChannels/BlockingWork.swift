import Foundation
import NIOConcurrencyHelpers

/// Runs blocking work (a child process, a libcurl transfer) on a thread of its own,
/// never on Swift's cooperative pool: a thread parked in `curl_easy_perform` or waiting
/// for sendmail there would starve every other task in the daemon.
///
/// A plain thread rather than a Dispatch queue: on Linux, Dispatch's pool for ordinary
/// queues is about one thread per CPU and only grows, after a delay, when its monitor
/// notices blocked workers; a send needs up to five blocked threads at once (the wait,
/// the child's stdin writer, two output readers, `waitpid`). Mail is rare, so a thread
/// per blocking job costs nothing worth saving.
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
/// progress callback, or acted on at once by a registered handler (killing a child).
final class CancellationFlag: Sendable {
    private struct State {
        var cancelled = false
        var handler: (@Sendable () -> Void)?
    }

    private let state = NIOLockedValueBox(State())

    var isCancelled: Bool { state.withLockedValue { $0.cancelled } }

    func cancel() {
        let handler: (@Sendable () -> Void)? = state.withLockedValue {
            guard !$0.cancelled else { return nil }
            $0.cancelled = true
            let handler = $0.handler
            $0.handler = nil
            return handler
        }
        handler?()
    }

    /// Runs `handler` on cancellation (at once if already cancelled). Replaces any
    /// earlier handler; `nil` removes it.
    func onCancel(_ handler: (@Sendable () -> Void)?) {
        let runNow: Bool = state.withLockedValue {
            if $0.cancelled { return handler != nil }
            $0.handler = handler
            return false
        }
        if runNow { handler?() }
    }
}
