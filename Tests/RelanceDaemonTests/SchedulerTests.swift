import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
@testable import RelanceDaemon
@testable import RelanceStore
import RelanceTestKit
import Testing

/// The scheduler on a manual clock: its one timer fires when the test advances time.
/// No sleeps, no dates in the far future.
@Suite struct SchedulerTests {
    final class Fired: Sendable {
        let items = NIOLockedValueBox<[InboxItem]>([])
        func record(_ new: [InboxItem]) { items.withLockedValue { $0 += new } }
        var all: [InboxItem] { items.withLockedValue { $0 } }
    }

    let t0 = instant("2026-12-01T08:00:00Z")

    func makeScheduler(_ store: AppDatabase, _ clock: ManualClock, _ fired: Fired) -> Scheduler {
        Scheduler(store: store, time: clock, logger: Logger(label: "test")) { fired.record($0.items) }
    }

    @Test func remindersDueWhileDownFireOnceAtStartMarkedLate() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        _ = try store.addReminder(text: "missed", dueAt: t0.addingTimeInterval(3600), contactID: nil)
        _ = try store.addReminder(text: "later", dueAt: t0.addingTimeInterval(30 * 86_400), contactID: nil)
        clock.set(t0.addingTimeInterval(26 * 3600))  // the daemon was down across the due time

        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        try scheduler.start()
        scheduler.stop()
        #expect(fired.all.map(\.text) == ["missed"])
        #expect(fired.all.first?.late == true)
        #expect(fired.all.first?.firedAt == t0.addingTimeInterval(26 * 3600))

        // A second start (another restart) fires nothing again.
        let again = Fired()
        let second = makeScheduler(store, clock, again)
        try second.start()
        #expect(again.all.isEmpty)
        #expect(second.snapshot().pending == 1)
        #expect(second.snapshot().next?.due == t0.addingTimeInterval(30 * 86_400))
        second.stop()
        #expect(try store.inbox(.all).count == 1)
    }

    @Test func everyCommittedWriteMovesTheNextDeadlineWithoutBeingTold() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let scheduler = makeScheduler(store, clock, Fired())
        try scheduler.start()
        let (later, _) = try store.addReminder(text: "later", dueAt: t0.addingTimeInterval(2 * 86_400), contactID: nil)
        let (sooner, _) = try store.addReminder(text: "sooner", dueAt: t0.addingTimeInterval(86_400), contactID: nil)
        scheduler.settle()
        #expect(scheduler.snapshot().next == ScheduledReminder(id: sooner.id, due: sooner.dueAt))
        #expect(clock.armedDeadlines == [sooner.dueAt])

        // A reply cancels nothing here, but a done snooze or a cancel would: cancel by hand.
        _ = try store.close(inboxID: try store.fireDue(at: sooner.dueAt, late: false, rules: TimingRules(userZone: .gmt)).items[0].id,
                            as: .done)
        scheduler.settle()
        #expect(scheduler.snapshot().next == ScheduledReminder(id: later.id, due: later.dueAt))
        #expect(scheduler.snapshot().pending == 1)
        #expect(clock.armedDeadlines == [later.dueAt])
        scheduler.stop()
    }

    @Test func theTimerFiresADueReminderIntoTheInboxAtItsTime() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        try scheduler.start()
        let due = t0.addingTimeInterval(2)
        _ = try store.addReminder(text: "soon", dueAt: due, contactID: nil)
        scheduler.settle()

        clock.advance(by: 1.999)
        #expect(fired.all.isEmpty)
        clock.advance(by: 0.001)
        scheduler.stop()
        let item = try #require(fired.all.first)
        #expect(item.text == "soon" && item.late == false && item.firedAt == due)
        #expect(try store.inbox(.all).map(\.id) == [item.id])
        #expect(clock.armedDeadlines.isEmpty)
    }

    /// The race the heap used to lose: a re-plan commits after the timer took the old
    /// deadline off the heap but before the firing transaction. The row decides.
    @Test func aReplanCommittedBetweenTakeDueAndFireFiresAtTheNewTimeOnce() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        try scheduler.start()
        let (ada, _) = try store.addContact(ContactDraft(name: "Ada Lovelace"), now: t0)
        let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
        var policy = FollowUpPolicy.standard
        policy.nudges = [.duration(try ISODuration(parsing: "PT1H")), .duration(try ISODuration(parsing: "PT1H"))]
        policy.letGo = nil
        let (outreach, first, _) = try store.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: t0,
                                                         policy: policy, rules: rules)
        let nudge = try #require(first)
        scheduler.settle()
        #expect(scheduler.snapshot().next?.due == t0.addingTimeInterval(3600))

        // When: between taking the due nudge off the heap and firing it, the user logs a
        // follow-up, which re-plans the sequence an hour later.
        let replanned = NIOLockedValueBox<Reminder?>(nil)
        scheduler.afterTakingDue = { taken in
            guard taken.map(\.id) == [nudge.id] else { return }
            let (_, next, _) = try! store.logFollowUp(outreachID: outreach.id, at: t0.addingTimeInterval(3599), note: nil, rules: rules)
            replanned.withLockedValue { $0 = next }
        }
        clock.advance(to: t0.addingTimeInterval(3600))
        scheduler.afterTakingDue = nil
        scheduler.settle()  // the feed of the re-plan's commit, queued behind that firing

        // Then: nothing fired at the old time; the new step fires at its own, once.
        #expect(fired.all.isEmpty)
        let next = try #require(replanned.withLockedValue { $0 })
        #expect(next.fireAt == t0.addingTimeInterval(3599 + 3600))
        #expect(try store.reminder(id: nudge.id)?.state == .cancelled)
        clock.advance(to: next.fireAt)
        clock.advance(by: 86_400)
        scheduler.stop()
        #expect(fired.all.map(\.reminderID) == [next.id])
        #expect(fired.all.first?.firedAt == next.fireAt)
        #expect(try store.inbox(.all).count == 1)
    }

    /// A heap entry later than its row (were a stale change ever to reach it) cannot keep
    /// a due reminder from firing: whenever the timer runs, every row due by then fires.
    @Test func aStaleHeapEntryCannotKeepADueRowFromFiring() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        let (early, _) = try store.addReminder(text: "early", dueAt: t0.addingTimeInterval(60), contactID: nil)
        _ = try store.addReminder(text: "a minute later", dueAt: t0.addingTimeInterval(120), contactID: nil)
        try scheduler.start()
        scheduler.settle()
        // The heap is told something stale: the early one would be due an hour later.
        scheduler.absorbForTesting(ScheduleChanges(scheduled: [ScheduledReminder(id: early.id, due: t0.addingTimeInterval(3600))]))
        clock.advance(to: t0.addingTimeInterval(120))
        #expect(Set(fired.all.map(\.text)) == ["early", "a minute later"])
        #expect(clock.armedDeadlines.isEmpty || clock.armedDeadlines == [t0.addingTimeInterval(3600)])
        clock.advance(by: 86_400)  // the stale entry's time: nothing fires twice
        scheduler.stop()
        #expect(fired.all.count == 2)
    }

    /// The wall clock stepped forward past a deadline (NTP, `date -s`, a resume from
    /// suspend): the reminder fires promptly, once, marked with the time it fired.
    @Test func aForwardClockStepFiresWhatWasJumpedOverOnce() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        try scheduler.start()
        _ = try store.addReminder(text: "jumped over", dueAt: t0.addingTimeInterval(600), contactID: nil)
        _ = try store.addReminder(text: "still ahead", dueAt: t0.addingTimeInterval(7200), contactID: nil)
        scheduler.settle()

        clock.set(t0.addingTimeInterval(3600))
        #expect(fired.all.map(\.text) == ["jumped over"])
        #expect(fired.all.first?.firedAt == t0.addingTimeInterval(3600))
        #expect(clock.armedDeadlines == [t0.addingTimeInterval(7200)])
        clock.set(t0.addingTimeInterval(3601))  // another step: nothing new
        scheduler.stop()
        #expect(fired.all.count == 1)
        #expect(try store.inbox(.all).count == 1)
    }

    /// After a backward step, what already fired never fires again, and what is ahead
    /// fires at its wall-clock time.
    @Test func aBackwardClockStepFiresNothingTwice() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        try scheduler.start()
        _ = try store.addReminder(text: "first", dueAt: t0.addingTimeInterval(60), contactID: nil)
        _ = try store.addReminder(text: "second", dueAt: t0.addingTimeInterval(7200), contactID: nil)
        scheduler.settle()
        clock.advance(by: 120)
        #expect(fired.all.map(\.text) == ["first"])

        clock.set(t0)               // an hour's worth of correction backwards
        clock.advance(by: 120)      // "first"'s time comes round again
        #expect(fired.all.map(\.text) == ["first"])
        clock.advance(to: t0.addingTimeInterval(7200))
        scheduler.stop()
        #expect(fired.all.map(\.text) == ["first", "second"])
        #expect(try store.inbox(.all).count == 2)
    }

    @Test func aStoreFailureKeepsRemindersPendingAndRetries() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        try scheduler.start()
        _ = try store.addReminder(text: "soon", dueAt: t0.addingTimeInterval(1), contactID: nil)
        scheduler.settle()
        try store.failWritesForTesting(true)
        clock.advance(by: 1)
        #expect(fired.all.isEmpty)
        #expect(clock.armedDeadlines == [t0.addingTimeInterval(1.25)])  // the first retry
        try store.failWritesForTesting(false)
        clock.advance(by: 0.25)
        scheduler.stop()
        #expect(fired.all.map(\.text) == ["soon"])
    }

    /// Disk full at start: the daemon starts all the same (systemd would otherwise give
    /// up on it), keeps the missed reminders pending, and fires them once, late, when
    /// writes work again.
    @Test func aCatchUpThatCannotBeWrittenIsRetriedAndStillMarkedLate() throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        _ = try store.addReminder(text: "missed", dueAt: t0.addingTimeInterval(60), contactID: nil)
        clock.set(t0.addingTimeInterval(3600))
        try store.failWritesForTesting(true)

        let fired = Fired()
        let scheduler = makeScheduler(store, clock, fired)
        try scheduler.start()
        #expect(fired.all.isEmpty)
        #expect(scheduler.snapshot().pending == 1)

        try store.failWritesForTesting(false)
        clock.advance(by: 0.25)
        scheduler.stop()
        #expect(fired.all.map(\.text) == ["missed"])
        #expect(fired.all.first?.late == true)
    }
}
