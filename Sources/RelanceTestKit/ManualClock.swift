import Dispatch
import Foundation
import NIOConcurrencyHelpers
import RelanceCore

/// A wall clock that moves only when a test says so, with timers that moving it fires.
///
/// `advance(by:)` is time passing: every timer whose deadline is reached fires, earliest
/// first, each handler run to completion on its own queue before `advance` returns (a
/// handler that re-arms for a time already reached fires again, within a bound).
/// `set(_:)` is the clock being *set* (an NTP step, a resume): clock-change handlers run
/// too, and a backward set fires nothing. Nothing ever sleeps.
public final class ManualClock: TimeSource {
    private struct State {
        var now: Date
        var timers: [ObjectIdentifier: Weak] = [:]
        var clockWatchers: [ObjectIdentifier: ClockWatcher] = [:]
    }
    private struct Weak { weak var timer: ManualTimer? }

    private let state: NIOLockedValueBox<State>

    public init(_ start: Date) { state = NIOLockedValueBox(State(now: start)) }

    /// From an ISO 8601 instant, e.g. "2026-11-12T09:00:00Z".
    public convenience init(_ iso: String) { self.init(try! Date(iso, strategy: .iso8601)) }

    public func now() -> Date { state.withLockedValue { $0.now } }

    /// Time passes: fires the timers that come due.
    public func advance(by seconds: TimeInterval) {
        state.withLockedValue { $0.now.addTimeInterval(seconds) }
        fireDueTimers()
    }

    /// Time passes up to `date` (never backwards).
    public func advance(to date: Date) { advance(by: max(0, date.timeIntervalSince(now()))) }

    /// The clock is set (forward or backward): clock-change handlers run, then the
    /// timers that came due fire.
    public func set(_ date: Date) {
        let watchers = state.withLockedValue { state in
            state.now = date
            return Array(state.clockWatchers.values)
        }
        for watcher in watchers { watcher.queue.sync(execute: watcher.handler) }
        fireDueTimers()
    }

    /// Fires every timer due now (for deadlines armed in the past).
    public func fireDueTimers() {
        for _ in 0..<10_000 {
            let next: ManualTimer? = state.withLockedValue { state in
                let armed = state.timers.values.compactMap(\.timer).compactMap { timer in timer.deadline.map { (timer, $0) } }
                return armed.filter { $0.1 <= state.now }.min { $0.1 < $1.1 }?.0
            }
            guard let next else { return }
            next.fire()
        }
        preconditionFailure("ManualClock: timers keep re-arming in the past")
    }

    /// The deadlines of the armed timers, earliest first (what a test can assert).
    public var armedDeadlines: [Date] {
        state.withLockedValue { $0.timers.values.compactMap(\.timer?.deadline).sorted() }
    }

    public func makeTimer(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> any WallTimer {
        let timer = ManualTimer(queue: queue, handler: handler, now: { [weak self] in self?.now() ?? .distantFuture })
        state.withLockedValue { $0.timers[ObjectIdentifier(timer)] = Weak(timer: timer) }
        return timer
    }

    public func onClockChange(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> any Cancellable {
        let watcher = ClockWatcher(queue: queue, handler: handler)
        let key = ObjectIdentifier(watcher)
        state.withLockedValue { $0.clockWatchers[key] = watcher }
        watcher.onCancel = { [weak self] in self?.state.withLockedValue { _ = $0.clockWatchers.removeValue(forKey: key) } }
        return watcher
    }
}

/// A timer of a `ManualClock`: the clock fires it when time reaches its deadline. Armed
/// for an instant already past, it fires soon on its queue, as a Dispatch timer does.
final class ManualTimer: WallTimer, @unchecked Sendable {  // guarded by `lock`
    private let lock = NIOLock()
    private var _deadline: Date?
    private var handler: (@Sendable () -> Void)?
    private let now: @Sendable () -> Date
    let queue: DispatchQueue

    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void, now: @escaping @Sendable () -> Date) {
        self.queue = queue
        self.handler = handler
        self.now = now
    }

    var deadline: Date? { lock.withLock { handler == nil ? nil : _deadline } }

    func arm(at deadline: Date) {
        lock.withLock { _deadline = deadline }
        guard deadline <= now() else { return }
        queue.async { [self] in
            // Still armed for a passed instant (not re-armed or disarmed meanwhile)?
            // The clock is read before taking this timer's lock, never under it: the
            // clock's `fireDueTimers` reads `deadline` (this lock) while holding its own,
            // and the opposite order deadlocked a Scheduler test.
            let current = now()
            let handler: (@Sendable () -> Void)? = lock.withLock {
                guard let armed = _deadline, armed <= current else { return nil }
                _deadline = nil
                return self.handler
            }
            handler?()
        }
    }
    func disarm() { lock.withLock { _deadline = nil } }
    func cancel() { lock.withLock { _deadline = nil; handler = nil } }

    /// One-shot: disarm, then run the handler on its queue and wait for it.
    func fire() {
        let handler: (@Sendable () -> Void)? = lock.withLock {
            _deadline = nil
            return self.handler
        }
        if let handler { queue.sync(execute: handler) }
    }
}

/// A clock-change subscription of a `ManualClock`.
final class ClockWatcher: Cancellable, @unchecked Sendable {  // onCancel is set once, before use
    let queue: DispatchQueue
    let handler: @Sendable () -> Void
    var onCancel: (@Sendable () -> Void)?
    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) { self.queue = queue; self.handler = handler }
    func cancel() { onCancel?() }
}

/// "2026-11-12T09:00:00Z" as a Date, for test tables.
public func instant(_ iso: String) -> Date { try! Date(iso, strategy: .iso8601) }
