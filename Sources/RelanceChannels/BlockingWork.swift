import Dispatch
import NIOConcurrencyHelpers

/// Runs blocking work (a child process, a libcurl transfer) on a Dispatch queue, never
/// on Swift's cooperative pool: a thread parked in `curl_easy_perform` or waiting for
/// sendmail there would starve every other task in the daemon.
enum BlockingWork {
    /// A concurrent queue of its own, so Dispatch adds threads as transfers block.
    static let queue = DispatchQueue(label: "relance.channels.blocking", attributes: .concurrent)

    /// Runs `work` on ``queue`` and resumes with its result. The task's cancellation is
    /// passed on through the ``CancellationFlag`` it receives.
    static func run<T: Sendable>(_ work: @escaping @Sendable (CancellationFlag) throws -> T) async throws -> T {
        let flag = CancellationFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { continuation.resume(with: Result { try work(flag) }) }
            }
        } onCancel: {
            flag.cancel()
        }
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
