import Foundation
import RelanceStore
import Testing

/// What a write tells the scheduler, merged step by step within one transaction.
@Suite struct ScheduleChangesTests {
    let t = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aReminderPlannedThenReplacedInOneTransactionIsOnlyCancelled() {
        // A reply plans keep-in-touch #6 (replacing #4); the meeting it agrees to replaces #6 with #7.
        var changes = ScheduleChanges(scheduled: [ScheduledReminder(id: 6, due: t)], cancelled: [5, 4])
        changes.merge(ScheduleChanges(scheduled: [ScheduledReminder(id: 7, due: t), ScheduledReminder(id: 8, due: t)], cancelled: [6]))
        #expect(changes.scheduled.map(\.id) == [7, 8])
        #expect(changes.cancelled == [5, 4, 6])
    }

    @Test func aReminderCancelledThenPlannedAgainStaysPlanned() {
        var changes = ScheduleChanges(cancelled: [3])
        changes.merge(ScheduleChanges(scheduled: [ScheduledReminder(id: 3, due: t)]))
        #expect(changes.scheduled.map(\.id) == [3] && changes.cancelled == [3], "applied cancel first, then schedule: armed")
    }
}
