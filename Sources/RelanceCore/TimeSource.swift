import Dispatch
import Foundation

/// A one-shot timer for a wall-clock instant, re-armable. Every component that waits
/// (the scheduler, the delivery outbox) holds one and arms it for its next deadline, so
/// tests can drive it with a manual clock instead of sleeping.
public protocol WallTimer: AnyObject, Sendable {
    /// Fires once at `deadline` (soon, if it has already passed); replaces any earlier arming.
    func arm(at deadline: Date)
    /// No firing until armed again.
    func disarm()
    /// Never fires again; the handler is released.
    func cancel()
}

/// Something to stop later (a clock-change subscription).
public protocol Cancellable: Sendable {
    func cancel()
}

/// A wall clock that can also wake you: the one source of time every waiting component
/// takes. Production is `CLOCK_REALTIME` with absolute timers; tests use a manual clock
/// whose `advance` fires the timers that came due.
public protocol TimeSource: WallClock {
    /// A timer whose handler runs on `queue`.
    func makeTimer(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> any WallTimer
    /// Calls `handler` on `queue` whenever the wall clock is *set* (an NTP step, `date -s`,
    /// a resume from suspend), so what was computed relative to "now" can be re-evaluated.
    func onClockChange(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> any Cancellable
}
