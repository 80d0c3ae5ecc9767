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
/// The heap is a cache of the store, never its authority. It learns every change from
/// the store's reminder feed, in commit order; when it fires, the store fires only the
/// rows that are pending *and* due at that moment, and hands back any the heap believed
/// due whose time has moved. All state lives on `queue`.
public final class Scheduler: @unchecked Sendable {
    /// What `Status` and the status line read, published after every change (no
    /// `queue.sync` from async code).
    public struct Snapshot: Sendable, Equatable {
        public var next: ScheduledReminder?
        public var pending: Int
    }

    // Everything below is touched only on `queue`.
    private var deadlines = DeadlineQueue()
    private var armedFor: Date?
    private var stopped = false
    private var retryDelay: TimeInterval = 0
    private var heartbeat: DispatchSourceTimer?
    private var clockWatch: (any Cancellable)?
    /// Tests only: runs between taking the due entries off the heap and firing them.
    var afterTakingDue: (@Sendable ([ScheduledReminder]) -> Void)?

    private let queue = DispatchQueue(label: "io.relance.scheduler", qos: .userInitiated)
    private let published = NIOLockedValueBox(Snapshot(next: nil, pending: 0))
    private var timer: (any WallTimer)!
    private let store: AppDatabase
    private let time: any TimeSource
    private let logger: Logger
    private let onFired: @Sendable (AppDatabase.Firing) -> Void
    private let rules: @Sendable () -> TimingRules
    private let channels: @Sendable () -> [String]

    /// - Parameters:
    ///   - time: the clock and its timers (`SystemTimeSource` in production).
    ///   - rules: the timing rules in force (follow-on reminders are planned with them).
    ///   - channels: the delivery channels: one outbox job each per fired item.
    ///   - onFired: called on the scheduler's queue with what was just committed.
    public init(store: AppDatabase, time: any TimeSource, logger: Logger,
                rules: @escaping @Sendable () -> TimingRules = { TimingRules(userZone: .current) },
                channels: @escaping @Sendable () -> [String] = { [] },
                onFired: @escaping @Sendable (AppDatabase.Firing) -> Void) {
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
        // Subscribe before loading: a change committed in between is in the load and in
        // the feed, and applying it twice is harmless.
        store.observeReminders { [weak self] changes in
            guard let self else { return }
            self.queue.async { self.absorbFeed(changes) }
        }
        let items = try queue.sync {
            deadlines = DeadlineQueue(try store.pendingDeadlines().map { (id: $0.id, due: $0.due) })
            let now = time.now()
            let missed = deadlines.takeDue(asOf: now).map { ScheduledReminder(id: $0.id, due: $0.due) }
            let firing = try store.fireDue(expected: missed, at: now, late: true, rules: rules(), channels: channels())
            absorb(firing)
            if !firing.items.isEmpty {
                logger.notice("catch-up: \(firing.items.count) reminder(s) came due while the daemon was down",
                              metadata: MessageID.catchUp.metadata)
                onFired(firing)
            }
            rearm()
            return firing.items
        }
        clockWatch = time.onClockChange(queue: queue) { [weak self] in self?.clockWasSet() }
        return items
    }

    /// Re-reads the pending set from the store (after a restore replaced it).
    public func reloadFromStore() throws {
        try queue.sync {
            deadlines = DeadlineQueue(try store.pendingDeadlines().map { (id: $0.id, due: $0.due) })
            armedFor = nil
            rearm()
        }
        queue.async { self.timerFired() }
    }

    /// The next deadline and the number pending, as last published.
    public func snapshot() -> (next: ScheduledReminder?, pending: Int) {
        let snapshot = published.withLockedValue { $0 }
        return (snapshot.next, snapshot.pending)
    }

    /// Waits for a firing in progress, then disarms for good.
    public func stop() {
        queue.sync {
            stopped = true
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
            heartbeat.setEventHandler { [unowned self] in if !self.stopped { beat() } }
            heartbeat.resume()
            self.heartbeat = heartbeat
        }
    }

    /// Runs `body` on the scheduler's queue (the watchdog pings from here, so a wedged
    /// scheduler stops them).
    public func onQueue(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// Waits until everything queued so far has run (tests: the feed has been applied).
    public func settle() { queue.sync {} }

    /// Tests only: feeds the heap a change as if the store had published it.
    func absorbForTesting(_ changes: ScheduleChanges) { queue.sync { absorbFeed(changes) } }

    // MARK: On the queue

    private func absorbFeed(_ changes: ScheduleChanges) {
        guard !stopped else { return }
        if changes.resync {
            deadlines = DeadlineQueue((try? store.pendingDeadlines().map { (id: $0.id, due: $0.due) }) ?? [])
            armedFor = nil
        } else {
            absorb(changes)
        }
        rearm()
    }

    private func absorb(_ changes: ScheduleChanges) {
        for id in changes.cancelled { deadlines.cancel(id: id) }
        for reminder in changes.scheduled { deadlines.schedule(id: reminder.id, due: reminder.due) }
    }

    private func absorb(_ firing: AppDatabase.Firing) {
        absorb(firing.changes)
        for reminder in firing.handedBack { deadlines.schedule(id: reminder.id, due: reminder.due) }
    }

    /// The wall clock was set: what was due by the new clock fires now; the timer is
    /// re-armed (a backward step fires nothing: fired rows never fire again).
    private func clockWasSet() {
        guard !stopped else { return }
        logger.info("the wall clock was set; re-evaluating what is due")
        armedFor = nil
        timerFired()
    }

    private func timerFired() {
        guard !stopped else { return }
        armedFor = nil
        let now = time.now()
        let expected = deadlines.takeDue(asOf: now).map { ScheduledReminder(id: $0.id, due: $0.due) }
        afterTakingDue?(expected)
        do {
            let firing = try store.fireDue(expected: expected, at: now, late: false, rules: rules(), channels: channels())
            retryDelay = 0
            absorb(firing)
            if !firing.items.isEmpty { onFired(firing) }
        } catch {
            // Keep them pending and try again soon: nothing is lost to a busy or full disk.
            for reminder in expected { deadlines.schedule(id: reminder.id, due: reminder.due) }
            retryDelay = min(max(retryDelay * 2, 0.25), 30)
            logger.error("could not record fired reminders; retrying in \(retryDelay)s",
                         metadata: ["error": "\(error)", "count": "\(expected.count)"])
            arm(at: now.addingTimeInterval(retryDelay))
            publish()
            return
        }
        rearm()
    }

    private func rearm() {
        defer { publish() }
        guard !stopped, retryDelay == 0 else { return }
        let next = deadlines.nextDeadline()
        guard next != armedFor else { return }
        if let next { arm(at: next) } else {
            armedFor = nil
            timer.disarm()
        }
    }

    private func arm(at date: Date) {
        armedFor = date
        timer.arm(at: date)
    }

    private func publish() {
        let due = deadlines.nextDeadline()
        let id = deadlines.peekID()
        let snapshot = Snapshot(next: zip(id, due).map { ScheduledReminder(id: $0, due: $1) }, pending: deadlines.count)
        published.withLockedValue { $0 = snapshot }
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
