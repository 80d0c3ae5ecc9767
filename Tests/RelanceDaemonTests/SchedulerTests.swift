import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceDaemon
import RelanceStore
import RelanceTestKit
import Testing

@Suite struct SchedulerTests {
    final class Fired: Sendable {
        let items = NIOLockedValueBox<[InboxItem]>([])
        func record(_ new: [InboxItem]) { items.withLockedValue { $0 += new } }
        var all: [InboxItem] { items.withLockedValue { $0 } }
    }

    @Test func remindersDueWhileDownFireOnceAtStartMarkedLate() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock("2030-12-01T08:00:00Z")
        _ = try store.addReminder(text: "missed", dueAt: instant("2030-12-01T09:00:00Z"), contactID: nil)
        _ = try store.addReminder(text: "later", dueAt: instant("2030-12-31T09:00:00Z"), contactID: nil)
        clock.set(instant("2030-12-02T10:00:00Z"))  // the daemon was down across the due time

        let fired = Fired()
        let scheduler = Scheduler(store: store, clock: clock, logger: Logger(label: "test")) { fired.record($0.items) }
        try scheduler.start()
        scheduler.stop()
        #expect(fired.all.map(\.text) == ["missed"])
        #expect(fired.all.first?.late == true)
        #expect(fired.all.first?.firedAt == instant("2030-12-02T10:00:00Z"))

        // A second start (another restart) fires nothing again.
        let again = Fired()
        let second = Scheduler(store: store, clock: clock, logger: Logger(label: "test")) { again.record($0.items) }
        try second.start()
        #expect(again.all.isEmpty)
        #expect(second.snapshot().pending == 1)
        #expect(second.snapshot().next?.due == instant("2030-12-31T09:00:00Z"))
        second.stop()
        #expect(try store.inbox(.all).count == 1)
    }

    @Test func appliedChangesMoveTheNextDeadline() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock("2030-12-01T08:00:00Z")
        let scheduler = Scheduler(store: store, clock: clock, logger: Logger(label: "test")) { _ in }
        try scheduler.start()
        let (later, laterChanges) = try store.addReminder(text: "later", dueAt: instant("2030-12-03T09:00:00Z"), contactID: nil)
        scheduler.apply(laterChanges)
        let (sooner, soonerChanges) = try store.addReminder(text: "sooner", dueAt: instant("2030-12-02T09:00:00Z"), contactID: nil)
        scheduler.apply(soonerChanges)
        #expect(scheduler.snapshot().next == ScheduledReminder(id: sooner.id, due: sooner.dueAt))
        scheduler.apply(ScheduleChanges(cancelled: [sooner.id]))
        #expect(scheduler.snapshot().next == ScheduledReminder(id: later.id, due: later.dueAt))
        #expect(scheduler.snapshot().pending == 1)
        scheduler.stop()
    }

    @Test func theTimerFiresADueReminderIntoTheInbox() async throws {
        let store = try AppDatabase.inMemory()
        let fired = Fired()
        let scheduler = Scheduler(store: store, clock: SystemWallClock(), logger: Logger(label: "test")) { fired.record($0.items) }
        try scheduler.start()
        let due = Date().addingTimeInterval(0.05)
        let (_, changes) = try store.addReminder(text: "soon", dueAt: due, contactID: nil)
        scheduler.apply(changes)
        // The real timer, so this waits (with a generous bound, not a timing assertion).
        for _ in 0..<500 where fired.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        scheduler.stop()
        let item = try #require(fired.all.first)
        #expect(item.text == "soon" && item.late == false && item.firedAt >= due)
        #expect(try store.inbox(.all).map(\.id) == [item.id])
    }
}
