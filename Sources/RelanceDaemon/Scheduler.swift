import Dispatch
import Foundation
import Logging
import RelanceCore
import RelanceStore

/// The shell around `DeadlineQueue`: ONE wall-clock `DispatchSourceTimer`, armed to the
/// earliest pending deadline and re-armed after every change. No polling: with nothing
/// due the daemon sleeps until the next deadline.
///
/// All state lives on `queue`. Firing marks the due reminders fired and inserts their
/// inbox items in one store transaction, then hands the items to `onFired`.
public final class Scheduler: @unchecked Sendable {
    // Everything below is touched only on `queue`.
    private var deadlines = DeadlineQueue()
    private var armedFor: Date?
    private var stopped = false
    private var retryDelay: TimeInterval = 0
    private var heartbeat: DispatchSourceTimer?

    private let queue = DispatchQueue(label: "io.relance.scheduler", qos: .userInitiated)
    private let timer: DispatchSourceTimer
    private let store: AppDatabase
    private let clock: any WallClock
    private let logger: Logger
    private let onFired: @Sendable (AppDatabase.Firing) -> Void
    private let rules: @Sendable () -> TimingRules
    private let channels: @Sendable () -> [String]

    /// - Parameters:
    ///   - rules: the timing rules in force (follow-on reminders are planned with them).
    ///   - onFired: called on the scheduler's queue with what was just committed.
    public init(store: AppDatabase, clock: any WallClock, logger: Logger,
                rules: @escaping @Sendable () -> TimingRules = { TimingRules(userZone: .current) },
                channels: @escaping @Sendable () -> [String] = { [] },
                onFired: @escaping @Sendable (AppDatabase.Firing) -> Void) {
        self.channels = channels
        self.store = store
        self.clock = clock
        self.logger = logger
        self.rules = rules
        self.onFired = onFired
        timer = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        timer.setEventHandler { [unowned self] in self.timerFired() }
        timer.schedule(wallDeadline: .distantFuture, leeway: .nanoseconds(0))
        timer.resume()
    }

    /// Loads every pending reminder, fires those that came due while the daemon was down
    /// (once, marked late), and arms the timer. Returns the catch-up items.
    @discardableResult
    public func start() throws -> [InboxItem] {
        try queue.sync {
            deadlines = DeadlineQueue(try store.pendingDeadlines().map { (id: $0.id, due: $0.due) })
            let now = clock.now()
            let missed = deadlines.takeDue(asOf: now).map { ScheduledReminder(id: $0.id, due: $0.due) }
            let firing = try store.fire(missed, at: now, late: true, rules: rules(), channels: channels())
            absorb(firing.changes)
            if !firing.items.isEmpty {
                logger.notice("catch-up: \(firing.items.count) reminder(s) came due while the daemon was down",
                              metadata: MessageID.catchUp.metadata)
                onFired(firing)
            }
            rearm()
            return firing.items
        }
    }

    /// Applies what a write did to the pending set and re-arms the timer.
    public func apply(_ changes: ScheduleChanges) {
        guard !changes.scheduled.isEmpty || !changes.cancelled.isEmpty else { return }
        queue.async { [self] in
            absorb(changes)
            rearm()
        }
    }

    /// Applies changes to the heap (on the queue).
    private func absorb(_ changes: ScheduleChanges) {
        for id in changes.cancelled { deadlines.cancel(id: id) }
        for reminder in changes.scheduled { deadlines.schedule(id: reminder.id, due: reminder.due) }
    }

    /// Re-reads the pending set from the store (after a reload re-planned it).
    public func reloadFromStore() throws {
        try queue.sync {
            deadlines = DeadlineQueue(try store.pendingDeadlines().map { (id: $0.id, due: $0.due) })
            rearm()
        }
        queue.async { self.timerFired() }
    }

    /// The next deadline and the number pending, read on the scheduler's queue.
    public func snapshot() -> (next: ScheduledReminder?, pending: Int) {
        queue.sync {
            guard let due = deadlines.nextDeadline() else { return (nil, deadlines.count) }
            let id = deadlines.peekID()
            return (id.map { ScheduledReminder(id: $0, due: due) }, deadlines.count)
        }
    }

    /// Waits for a firing in progress, then disarms for good.
    public func stop() {
        queue.sync {
            stopped = true
            timer.cancel()
            heartbeat?.cancel()
        }
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

    private func timerFired() {
        guard !stopped else { return }
        armedFor = nil
        let now = clock.now()
        let due = deadlines.takeDue(asOf: now).map { ScheduledReminder(id: $0.id, due: $0.due) }
        do {
            let firing = try store.fire(due, at: now, late: false, rules: rules(), channels: channels())
            retryDelay = 0
            absorb(firing.changes)
            if !firing.items.isEmpty { onFired(firing) }
        } catch {
            // Keep them pending and try again soon: nothing is lost to a busy or full disk.
            for reminder in due { deadlines.schedule(id: reminder.id, due: reminder.due) }
            retryDelay = min(max(retryDelay * 2, 0.25), 30)
            logger.error("could not record fired reminders; retrying in \(retryDelay)s",
                         metadata: ["error": "\(error)", "count": "\(due.count)"])
            arm(at: now.addingTimeInterval(retryDelay))
            return
        }
        rearm()
    }

    private func rearm() {
        guard !stopped, retryDelay == 0 else { return }
        let next = deadlines.nextDeadline()
        guard next != armedFor else { return }
        if let next { arm(at: next) } else {
            armedFor = nil
            timer.schedule(wallDeadline: .distantFuture, leeway: .nanoseconds(0))
        }
    }

    private func arm(at date: Date) {
        armedFor = date
        let seconds = date.timeIntervalSince1970
        let whole = seconds.rounded(.down)
        let spec = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        timer.schedule(wallDeadline: DispatchWallTime(timespec: spec), leeway: .nanoseconds(0))
    }
}
