import Dispatch
import Foundation
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore

/// Keeps the one-line status current ("12 pending, next: Follow up with Ada Lovelace at
/// Mon 09:00, 3 unread"), coalescing bursts of changes into one refresh per 200 ms.
final class StatusReporter: Sendable {
    private let store: AppDatabase
    private let scheduler: Scheduler
    private let lifecycle: any DaemonLifecycle
    private let timeZone: @Sendable () -> TimeZone
    private let queue = DispatchQueue(label: "io.relance.status")
    private let state = NIOLockedValueBox<(scheduled: Bool, problem: String?)>((false, nil))

    init(store: AppDatabase, scheduler: Scheduler, lifecycle: any DaemonLifecycle, timeZone: @escaping @Sendable () -> TimeZone) {
        self.store = store
        self.scheduler = scheduler
        self.lifecycle = lifecycle
        self.timeZone = timeZone
    }

    /// A configuration problem to show first until the next good reload (nil clears it).
    func setProblem(_ problem: String?) {
        state.withLockedValue { $0.problem = problem }
        setNeedsRefresh()
    }

    /// Something changed: refresh soon.
    func setNeedsRefresh() {
        let alreadyScheduled = state.withLockedValue { value in
            defer { value.scheduled = true }
            return value.scheduled
        }
        guard !alreadyScheduled else { return }
        queue.asyncAfter(deadline: .now() + .milliseconds(200)) { [self] in
            state.withLockedValue { $0.scheduled = false }
            lifecycle.status(line())
        }
    }

    /// The current line.
    func line() -> String {
        let (next, pending) = scheduler.snapshot()
        let unread = (try? store.counts(includingPending: false).unread) ?? 0
        var parts = ["\(pending) pending"]
        if let next, let reminder = try? store.reminder(id: next.id) {
            let headline = reminder.text.components(separatedBy: " — ").first ?? reminder.text
            parts.append("next: \(headline) at \(Self.describe(next.due, in: timeZone()))")
        }
        parts.append("\(unread) unread")
        let summary = parts.joined(separator: ", ")
        if let problem = state.withLockedValue({ $0.problem }) { return "\(problem) | \(summary)" }
        return summary
    }

    /// "Mon 09:00" within a week, else "Mon 7 Dec 09:00".
    static func describe(_ date: Date, in zone: TimeZone, now: Date = ProcessClock.now()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = date.timeIntervalSince(now) < 6 * 86_400 ? "EEE HH:mm" : "EEE d MMM HH:mm"
        return formatter.string(from: date)
    }
}
