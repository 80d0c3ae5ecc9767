import Dispatch
import NIOConcurrencyHelpers

/// `Task.sleep` that leaves an idle daemon asleep afterwards.
///
/// On Linux, `Task.sleep` schedules its wake-up on libdispatch's global queues; the
/// first job there starts libdispatch's worker-pool monitor, a 1 Hz timer that never
/// stops, so a single delivery timeout would end "no wake-ups while idle". A timer on a
/// serial queue does not start it.
public enum QuietSleep {
    private static let queue = DispatchQueue(label: "io.relance.sleep")

    /// Only touched under the lock that holds it.
    private struct State: @unchecked Sendable {
        var continuation: CheckedContinuation<Void, any Error>?
        var timer: DispatchWorkItem?
        var finished = false

        /// Takes the waiting continuation, once: whoever comes first (the timer or a
        /// cancellation) resumes it.
        mutating func finish() -> CheckedContinuation<Void, any Error>? {
            finished = true
            timer?.cancel()
            defer { continuation = nil; timer = nil }
            return continuation
        }
    }

    /// Suspends for `duration`; a cancelled task ends it early with `CancellationError`.
    public static func sleep(for duration: Duration) async throws {
        let state = NIOLockedValueBox(State())
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds > Int64.max / 1_000_000_000 ? Int.max
            : Int(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let timer = DispatchWorkItem { state.withLockedValue { $0.finish() }?.resume() }
                let cancelled = state.withLockedValue { state in
                    if state.finished { return true }
                    state.continuation = continuation
                    state.timer = timer
                    return false
                }
                if cancelled { return continuation.resume(throwing: CancellationError()) }
                queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds), execute: timer)
            }
        } onCancel: {
            state.withLockedValue { $0.finish() }?.resume(throwing: CancellationError())
        }
    }
}
