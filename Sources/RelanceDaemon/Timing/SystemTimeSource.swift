import Dispatch
import Foundation
import RelanceCore

/// The real time: `CLOCK_REALTIME`, Dispatch wall timers, and clock-change notices from a
/// `timerfd` (see `ClockChangeMonitor`).
public struct SystemTimeSource: TimeSource {
    public init() {}

    public func now() -> Date { ProcessClock.now() }

    public func makeTimer(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> any WallTimer {
        DispatchWallTimer(queue: queue, handler: handler)
    }

    public func onClockChange(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> any Cancellable {
        ClockChangeMonitor(queue: queue, handler: handler)
    }
}

/// A `DispatchSourceTimer` on the wall clock, strict (no leeway).
///
/// Why this is enough for clock steps and suspend: on Linux, libdispatch programs wall
/// timers as `timerfd_create(CLOCK_REALTIME)` + `timerfd_settime(TFD_TIMER_ABSTIME)`
/// (src/event/event_epoll.c, `_dispatch_timeout_program`). An absolute realtime timer is
/// expired by the kernel as soon as the clock is stepped past its deadline, and after a
/// resume from suspend (realtime kept counting): a deadline jumped over fires at once. A
/// backward step only makes it fire later, at the same wall-clock instant.
final class DispatchWallTimer: WallTimer, @unchecked Sendable {  // the source is thread-safe
    private let source: DispatchSourceTimer

    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        source.setEventHandler(handler: handler)
        source.schedule(wallDeadline: .distantFuture, leeway: .nanoseconds(0))
        source.resume()
    }

    func arm(at deadline: Date) {
        // In real time (the process clock may be offset in a debug build's test).
        let seconds = deadline.timeIntervalSince1970 - ProcessClock.offset
        let whole = seconds.rounded(.down)
        let spec = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        source.schedule(wallDeadline: DispatchWallTime(timespec: spec), leeway: .nanoseconds(0))
    }

    func disarm() { source.schedule(wallDeadline: .distantFuture, leeway: .nanoseconds(0)) }

    func cancel() { source.cancel() }

    deinit { source.cancel() }
}
