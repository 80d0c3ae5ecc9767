import Foundation
import Logging
import RelanceChannels
import RelanceCore
import RelanceDaemon
import RelanceStore
import RelanceTestKit
import Testing

/// The outbox with in-memory channels and a manual clock whose timers the test fires:
/// back-off, isolation, the digest, and "a job that succeeded is never sent again".
/// No sleeps: the test advances time, then waits until the service is idle.
@Suite struct DeliveryServiceTests {
    let t0 = instant("2026-12-02T09:00:00Z")
    let rules = TimingRules(userZone: TimeZone(identifier: "UTC")!)

    func fireOne(_ store: AppDatabase, _ text: String, at date: Date, channels: [String]) throws -> InboxItem {
        _ = try store.addReminder(text: text, dueAt: date, contactID: nil)
        return try #require(try store.fireDue(at: date, late: false, rules: rules, channels: channels).items.first)
    }

    func attempts(_ store: AppDatabase, _ item: InboxItem, _ channel: String) throws -> Int {
        try store.deliveries(inboxItemIDs: [item.id])[item.id]?.first { $0.channel == channel }?.attempts ?? 0
    }

    @Test func aFailingChannelRetriesWithBackOffNeverBlocksAnotherAndIsNeverResent() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let mail = RecordingChannel(name: "mail")
        let desktop = RecordingChannel(name: "desktop")
        mail.failNext(2)
        let service = DeliveryService(store: store, clock: clock, logger: Logger(label: "test"), channels: [mail, desktop])
        let item = try fireOne(store, "Follow up with Ada Lovelace — you asked for advice", at: t0, channels: service.channelNames)

        service.start()
        await service.waitUntilIdle()
        #expect(desktop.deliveries.count == 1 && mail.deliveries.isEmpty)
        #expect(try attempts(store, item, "mail") == 1)
        #expect(desktop.deliveries[0].title == "Follow up with Ada Lovelace")
        #expect(desktop.deliveries[0].body.hasPrefix("You asked for advice."))
        #expect(clock.armedDeadlines == [t0.addingTimeInterval(5)])  // the first back-off

        clock.advance(by: 5)
        await service.waitUntilIdle()
        #expect(try attempts(store, item, "mail") == 2)
        #expect(clock.armedDeadlines == [t0.addingTimeInterval(15)])  // then 10 s more

        clock.advance(by: 10)
        await service.waitUntilIdle()
        #expect(mail.deliveries.count == 1)
        #expect(clock.armedDeadlines.isEmpty)

        clock.advance(by: 3600)
        service.wake()
        await service.waitUntilIdle()
        service.stop()
        #expect(mail.deliveries.count == 1 && desktop.deliveries.count == 1)
        let statuses = try #require(try store.deliveries(inboxItemIDs: [item.id])[item.id])
        #expect(statuses.map(\.channel).sorted() == ["desktop", "mail"])
        #expect(statuses.allSatisfy { $0.state == "sent" })
        #expect(statuses.first { $0.channel == "mail" }?.attempts == 2)  // the failed ones
    }

    /// Without a channel a firing makes no job, so nothing reads the outbox (issue #15:
    /// two queries per firing were spent on an empty outbox). With one, it is read.
    @Test func withoutAChannelTheOutboxIsNeverRead() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        for channels in [[], [RecordingChannel(name: "desktop")]] {
            let counting = CountingOutbox(store)
            let service = DeliveryService(store: counting, clock: clock, logger: Logger(label: "test"), channels: channels)
            _ = try fireOne(store, "Call the bakery", at: clock.now(), channels: service.channelNames)
            service.start()
            service.wake()
            await service.waitUntilIdle()
            service.stop()
            #expect((counting.reads == 0) == channels.isEmpty, "\(channels.count) channel(s): \(counting.reads) read(s)")
        }
    }

    /// The personal store, counting the outbox reads the service makes.
    final class CountingOutbox: DeliveryStore, @unchecked Sendable {  // `reads` under `lock`
        let store: AppDatabase
        private let lock = NSLock()
        private var count = 0
        init(_ store: AppDatabase) { self.store = store }
        var reads: Int { lock.withLock { count } }
        var deliveryLease: TimeInterval? { nil }
        func claimDueDeliveries(at now: Date, channels: [String], limit: Int) throws -> [DeliveryJob] {
            lock.withLock { count += 1 }
            return try store.claimDueDeliveries(at: now, channels: channels, limit: limit)
        }
        func nextDeliveryAttempt(channels: [String]) throws -> Date? {
            lock.withLock { count += 1 }
            return try store.nextDeliveryAttempt(channels: channels)
        }
        func recordDelivered(_ job: DeliveryJob, at now: Date, receipt: String) throws -> Bool {
            try store.recordDelivered(job, at: now, receipt: receipt)
        }
        func recordDeliveryFailed(_ job: DeliveryJob, at now: Date, error: String, retryAt: Date) throws {
            try store.recordDeliveryFailed(job, at: now, error: error, retryAt: retryAt)
        }
        func expediteDeliveries(channel: String, at now: Date) throws { try store.expediteDeliveries(channel: channel, at: now) }
        func shownDeliveries(inboxItemID: Int64) throws -> [(channel: String, receipt: String)] {
            try store.shownDeliveries(inboxItemID: inboxItemID)
        }
    }

    @Test func theBackOffSeriesDoublesUpToItsCap() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let mail = RecordingChannel(name: "mail")
        mail.failNext(10)
        let service = DeliveryService(store: store, clock: clock, logger: Logger(label: "test"), channels: [mail])
        _ = try fireOne(store, "Call the bakery", at: t0, channels: service.channelNames)
        service.start()
        await service.waitUntilIdle()

        var waits: [TimeInterval] = []
        while mail.deliveries.isEmpty, let next = clock.armedDeadlines.first {
            waits.append(next.timeIntervalSince(clock.now()))
            clock.advance(to: next)
            await service.waitUntilIdle()
        }
        service.stop()
        #expect(waits == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600])
        #expect(mail.attempts == 11 && mail.deliveries.count == 1)
    }

    @Test func backOffDoublesAndIsBounded() {
        #expect(DeliveryService.backoff(attempts: 0) == 5)
        #expect(DeliveryService.backoff(attempts: 1) == 10)
        #expect(DeliveryService.backoff(attempts: 3) == 40)
        #expect(DeliveryService.backoff(attempts: 50) == 600)
    }

    func digestService(_ store: AppDatabase, _ clock: ManualClock, _ transport: RecordingMailTransport) throws -> DeliveryService {
        let channel = try MailChannel(transport: transport, from: try MailAddress("relance@example.com"),
                                      to: [try MailAddress("ada@example.com")], hostname: "test.example")
        return DeliveryService(store: store, clock: clock, logger: Logger(label: "test"), channels: [],
                               digest: (channel: channel, time: LocalTimeOfDay(hour: 8, minute: 0), zone: { TimeZone(identifier: "UTC")! }))
    }

    @Test func theDailyDigestGoesAtItsHourOnceADay() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(instant("2026-12-02T07:00:00Z"))
        let transport = RecordingMailTransport()
        let service = try digestService(store, clock, transport)
        _ = try fireOne(store, "Call the bakery", at: clock.now(), channels: [])
        service.start()
        await service.waitUntilIdle()
        #expect(transport.sent.isEmpty)
        #expect(clock.armedDeadlines == [instant("2026-12-02T08:00:00Z")])

        clock.advance(to: instant("2026-12-02T08:00:00Z"))
        await service.waitUntilIdle()
        #expect(transport.sent.count == 1)
        #expect(clock.armedDeadlines == [instant("2026-12-03T08:00:00Z")])
        clock.advance(by: 3600)
        service.wake()
        await service.waitUntilIdle()
        service.stop()
        #expect(transport.sent.count == 1)
        #expect(try store.lastDigestSent() == instant("2026-12-02T08:00:00Z"))
    }

    @Test func aFailedDigestIsTriedAgainAfterABackOffNotInALoop() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(instant("2026-12-02T08:00:00Z"))
        let transport = RecordingMailTransport()
        transport.failNext(1)
        let service = try digestService(store, clock, transport)
        _ = try fireOne(store, "Call the bakery", at: clock.now(), channels: [])
        service.start()
        await service.waitUntilIdle()
        #expect(transport.sent.isEmpty)
        #expect(clock.armedDeadlines == [instant("2026-12-02T08:05:00Z")])

        clock.advance(to: instant("2026-12-02T08:05:00Z"))
        await service.waitUntilIdle()
        service.stop()
        #expect(transport.sent.count == 1)
    }

    /// Closing an item closes its deliveries: a job still waiting never goes out, and a
    /// popup already shown is withdrawn.
    @Test func aDoneItemIsNotSentAgainAndItsPopupIsWithdrawn() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let mail = RecordingChannel(name: "mail")
        let desktop = RecordingChannel(name: "desktop")
        mail.failNext(1)
        let service = DeliveryService(store: store, clock: clock, logger: Logger(label: "test"), channels: [mail, desktop])
        let item = try fireOne(store, "Call the bakery", at: t0, channels: service.channelNames)
        service.start()
        await service.waitUntilIdle()
        #expect(desktop.deliveries.count == 1 && mail.deliveries.isEmpty)  // mail waits for its retry

        _ = try store.close(inboxID: item.id, as: .done)
        await service.withdraw(inboxItemID: item.id)
        clock.advance(by: 3600)
        service.wake()
        await service.waitUntilIdle()
        service.stop()

        #expect(mail.deliveries.isEmpty && mail.attempts == 1)
        #expect(desktop.withdrawals.map(\.detail) == ["recorded inbox-\(item.id)"])
        let states = try #require(try store.deliveries(inboxItemIDs: [item.id])[item.id]).map { "\($0.channel) \($0.state)" }
        #expect(states.sorted() == ["desktop sent", "mail cancelled"])
    }

    @Test func aSnoozedItemsDeliveriesWaitUntilItComesBack() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock(t0)
        let mail = RecordingChannel(name: "mail")
        mail.failNext(1)
        let service = DeliveryService(store: store, clock: clock, logger: Logger(label: "test"), channels: [mail])
        let item = try fireOne(store, "Call the bakery", at: t0, channels: service.channelNames)
        service.start()
        await service.waitUntilIdle()

        _ = try store.snooze(inboxID: item.id, until: t0.addingTimeInterval(86_400))
        clock.advance(by: 3600)
        service.wake()
        await service.waitUntilIdle()
        #expect(mail.deliveries.isEmpty)

        // It comes back: delivered then, once.
        _ = try store.fireDue(at: t0.addingTimeInterval(86_400), late: false, rules: rules, channels: service.channelNames)
        clock.advance(to: t0.addingTimeInterval(86_400))
        service.wake()
        await service.waitUntilIdle()
        service.stop()
        #expect(mail.deliveries.map(\.inboxItemID) == [item.id])
    }
}
