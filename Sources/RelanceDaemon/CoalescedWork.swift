import Dispatch
import NIOConcurrencyHelpers

/// Work asked for often but done at most once per `delay`: the first request schedules
/// its work on `queue`; the requests that come before that runs join it. Writing a calendar file or a
/// publish folder after every change of a catch-up of thousands would be thousands of
/// writes; this makes it one a second.
final class CoalescedWork: Sendable {
    private let queue: DispatchQueue
    private let delay: Double
    private let scheduled = NIOLockedValueBox(false)

    init(queue: DispatchQueue, delay: Double) {
        self.queue = queue
        self.delay = delay
    }

    /// Runs `work` `delay` seconds from now, unless work is already due then.
    func request(_ work: @escaping @Sendable () -> Void) {
        let already = scheduled.withLockedValue { value in
            defer { value = true }
            return value
        }
        guard !already else { return }
        queue.asyncAfter(deadline: .now() + delay) { [self] in
            scheduled.withLockedValue { $0 = false }
            work()
        }
    }
}
