import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore

/// The shell around `DeadlineQueue`: ONE wall-clock timer, armed to the earliest pending
/// deadline and re-armed after every change. No polling: with nothing due the daemon
/// sleeps until the next deadline.
///
/// The heap is a cache of the store, never its authority. The store's reminder feed
/// updates it inside every commit, in commit order, so by the time a write returns to
/// its caller the heap (and `Status`) already reflect it. When the timer fires, the
/// store fires the rows that are pending *and* due at that moment, whatever the heap
/// believed. Firing runs on `queue` (the watchdog is fed from there too); the heap is
/// guarded by a lock, never held across a store call.
public final class Scheduler: @unchecked Sendable {  // mutable state is in `state`
    /// What `Status` and the status line read.
    public struct Snapshot: Sendable, Equatable {
        public var next: ScheduledReminder?
        public var pending: Int
    }

    private struct State {
        var deadlines = DeadlineQueue()
        /// Feed changes that arrive while the pending set is being loaded, applied on
        /// top of it (each says what a row became: applying them in order is exact).
        var buffered: [ScheduleChanges]? = []
        var armedFor: Date?
        var stopped = false
        var retryDelay: TimeInterval = 0
    }

    private let state = NIOLockedValueBox(State())
    /// When `start` ran: what was due before is late whenever it fires.
    private var startedAt: Date?
    private let queue = DispatchQueue(label: "io.relance.scheduler", qos: .userInitiated)
    private var timer: (any WallTimer)!
    // Set once in start/startHeartbeat, read on `queue`.
    private var heartbeat: DispatchSourceTimer?
    private var clockWatch: (any Cancellable)?
    /// Tests only: runs on the queue between taking the due entries off the heap and
    /// firing them.
    var afterTakingDue: (@Sendable ([ScheduledReminder]) -> Void)?

    private let store: any FiringStore
    private let time: any TimeSource
    private let logger: Logger
    private let onFired: @Sendable (Firing) -> Void
    private let rules: @Sendable () -> TimingRules
    private let channels: @Sendable () -> [String]

    /// - Parameters:
    ///   - time: the clock and its timers (`SystemTimeSource` in production).
    ///   - rules: the timing rules in force (follow-on reminders are planned with them).
    ///   - channels: the delivery channels: one outbox job each per fired item.
    ///   - onFired: called on the scheduler's queue with what was just committed.
    public init(store: any FiringStore, time: any TimeSource, logger: Logger,
                rules: @escaping @Sendable () -> TimingRules = { TimingRules(userZone: .current) },
                channels: @escaping @Sendable () -> [String] = { [] },
                onFired: @escaping @Sendable (Firing) -> Void) {
        self.channels = channels
        self.store = store
        self.time = time
        self.logger = logger
        self.rules = rules
        self.onFired = onFired
        timer = time.makeTimer(queue: queue) { [weak self] in self?.timerFired() }
    }

    /// Subscribes to the store's reminder feed, loads every pending reminder, fires those
    /// that came due while the daemon was down (once, marked late), and arms the timer.
    /// Returns the catch-up items.
    @discardableResult
    public func start() throws -> [InboxItem] {
        store.observeReminders { [weak self] changes in self?.absorbFeed(changes) }
        // Load and catch up in one turn of the queue: the timer armed by the load must
        // not fire the missed reminders first (they are late, and say so).
        let items = try queue.sync {
            try load()
            let now = time.now()
            startedAt = now
            let missed = state.withLockedValue { $0.deadlines.takeDue(asOf: now) }.map { ScheduledReminder(id: $0.id, due: $0.due) }
            do {
                let firing = try store.fireDue(expected: missed, at: now, late: true, lateBefore: nil,
                                               rules: rules(), channels: channels())
                handBack(firing.handedBack)
                if !firing.items.isEmpty {
                    logger.notice("catch-up: \(firing.items.count) reminder(s) came due while the daemon was down",
                                  metadata: MessageID.catchUp.metadata)
                    onFired(firing)
                }
                return firing.items
            } catch {
                // A full disk must not keep the daemon down (systemd would give up on it):
                // serve reads, keep the missed reminders pending, retry with back-off.
                retryLater(missed, now: now, error: error)
                return []
            }
        }
        clockWatch = time.onClockChange(queue: queue) { [weak self] in self?.clockWasSet() }
        return items
    }

    /// Re-reads the pending set from the store (after a restore replaced it).
    public func reloadFromStore() throws {
        state.withLockedValue { $0.buffered = [] }
        try load()
        queue.async { self.timerFired() }
    }

    /// The next deadline and the number pending, as of the last commit.
    public func snapshot() -> (next: ScheduledReminder?, pending: Int) {
        state.withLockedValue { state in
            let due = state.deadlines.nextDeadline()
            let id = state.deadlines.peekID()
            guard let due, let id else { return (nil, state.deadlines.count) }
            return (ScheduledReminder(id: id, due: due), state.deadlines.count)
        }
    }

    /// Waits for a firing in progress, then disarms for good.
    public func stop() {
        queue.sync {
            state.withLockedValue { $0.stopped = true }
            timer.cancel()
            heartbeat?.cancel()
        }
        clockWatch?.cancel()
    }

    /// Calls `beat` every `interval` from the scheduler's own queue: if a firing wedges
    /// the queue, the beats stop (the systemd watchdog is fed from here).
    public func startHeartbeat(every interval: Duration, _ beat: @escaping @Sendable () -> Void) {
        queue.sync {
            let milliseconds = Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
            let heartbeat = DispatchSource.makeTimerSource(queue: queue)
            heartbeat.schedule(deadline: .now(), repeating: .milliseconds(max(milliseconds, 10)))
            heartbeat.setEventHandler { [unowned self] in if !state.withLockedValue({ $0.stopped }) { beat() } }
            heartbeat.resume()
            self.heartbeat = heartbeat
        }
    }

    /// Runs `body` on the scheduler's queue (the watchdog pings from here, so a wedged
    /// scheduler stops them).
    public func onQueue(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Waits until a firing in progress has finished (tests).
    public func settle() { queue.sync {} }

    /// Tests only: feeds the heap a change as if the store had published it.
    func absorbForTesting(_ changes: ScheduleChanges) { absorbFeed(changes) }

    // MARK: The heap

    /// Loads the pending set, then applies what the feed said meanwhile.
    private func load() throws {
        let loaded = DeadlineQueue(try store.pendingDeadlines().map { (id: $0.id, due: $0.due) })
        state.withLockedValue { state in
            state.deadlines = loaded
            for changes in state.buffered ?? [] { Self.absorb(changes, into: &state.deadlines) }
            state.buffered = nil
            state.armedFor = nil
            rearm(&state)
        }
    }

    /// The store's feed, on the writer's queue right after a commit.
    private func absorbFeed(_ changes: ScheduleChanges) {
        if changes.resync {
            queue.async { [weak self] in try? self?.reloadFromStore() }
            return
        }
        state.withLockedValue { state in
            guard !state.stopped else { return }
            if state.buffered != nil { return state.buffered!.append(changes) }
            Self.absorb(changes, into: &state.deadlines)
            rearm(&state)
        }
    }

    private static func absorb(_ changes: ScheduleChanges, into deadlines: inout DeadlineQueue) {
        for id in changes.cancelled { deadlines.cancel(id: id) }
        for reminder in changes.scheduled { deadlines.schedule(id: reminder.id, due: reminder.due) }
    }

    /// Reminders the heap believed due whose rows said later: back in, unless the feed
    /// has already put them back (its word is newer).
    private func handBack(_ reminders: [ScheduledReminder]) {
        guard !reminders.isEmpty else { return }
        state.withLockedValue { state in
            for reminder in reminders where state.deadlines.due(of: reminder.id) == nil {
                state.deadlines.schedule(id: reminder.id, due: reminder.due)
            }
            rearm(&state)
        }
    }

    private func rearm(_ state: inout State) {
        guard !state.stopped, state.retryDelay == 0 else { return }
        let next = state.deadlines.nextDeadline()
        guard next != state.armedFor else { return }
        state.armedFor = next
        if let next { timer.arm(at: next) } else { timer.disarm() }
    }

    // MARK: Firing (on the queue)

    /// The wall clock was set: what is due by the new clock fires now; the timer is
    /// re-armed (a backward step fires nothing: fired rows never fire again).
    private func clockWasSet() {
        logger.info("the wall clock was set; re-evaluating what is due")
        state.withLockedValue { $0.armedFor = nil }
        timerFired()
    }

    private func timerFired() {
        let now = time.now()
        let expected: [ScheduledReminder]? = state.withLockedValue { state in
            guard !state.stopped else { return nil }
            state.armedFor = nil
            return state.deadlines.takeDue(asOf: now).map { ScheduledReminder(id: $0.id, due: $0.due) }
        }
        guard let expected else { return }
        afterTakingDue?(expected)
        do {
            // The feed of this very transaction updates the heap (fired rows out, the
            // next steps in) before it returns.
            let firing = try store.fireDue(expected: expected, at: now, late: false, lateBefore: startedAt,
                                           rules: rules(), channels: channels())
            state.withLockedValue { $0.retryDelay = 0 }
            handBack(firing.handedBack)
            if !firing.items.isEmpty { onFired(firing) }
        } catch {
            retryLater(expected, now: now, error: error)
            return
        }
        state.withLockedValue { rearm(&$0) }
    }

    /// Keeps `expected` pending and tries again soon: nothing is lost to a busy or full
    /// disk. The delay doubles from 0.25 s up to 30 s.
    private func retryLater(_ expected: [ScheduledReminder], now: Date, error: any Error) {
        let delay = state.withLockedValue { state in
            for reminder in expected where state.deadlines.due(of: reminder.id) == nil {
                state.deadlines.schedule(id: reminder.id, due: reminder.due)
            }
            state.retryDelay = min(max(state.retryDelay * 2, 0.25), 30)
            state.armedFor = now.addingTimeInterval(state.retryDelay)
            return state.retryDelay
        }
        logger.error("could not record fired reminders; retrying in \(delay)s",
                     metadata: ["error": "\(error)", "count": "\(expected.count)"])
        timer.arm(at: now.addingTimeInterval(delay))
    }
}
