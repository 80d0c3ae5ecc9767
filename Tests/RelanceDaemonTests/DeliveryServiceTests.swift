import Foundation
import Logging
import RelanceChannels
import RelanceCore
import RelanceDaemon
import RelanceStore
import RelanceTestKit
import Testing

/// The outbox with in-memory channels and a manual clock: back-off, isolation, and
/// "a job that succeeded is never sent again".
@Suite struct DeliveryServiceTests {
    func eventually(_ condition: () throws -> Bool) async throws {
        for _ in 0..<400 {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition never became true")
    }

    @Test func aFailingChannelRetriesWithBackOffNeverBlocksAnotherAndIsNeverResent() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock("2030-12-02T09:00:00Z")  // in the future: the real timer never fires on its own
        let mail = RecordingChannel(name: "mail")
        let desktop = RecordingChannel(name: "desktop")
        mail.failNext(2)
        let service = DeliveryService(store: store, clock: clock, logger: Logger(label: "test"), channels: [mail, desktop])
        let (reminder, _) = try store.addReminder(text: "Follow up with Ada Lovelace — you asked for advice", dueAt: clock.now(), contactID: nil)
        let item = try #require(try store.fire([ScheduledReminder(id: reminder.id, due: clock.now())], at: clock.now(), late: false,
                                               rules: TimingRules(userZone: .current), channels: service.channelNames).items.first)

        service.start()
        try await eventually { desktop.deliveries.count == 1 && mail.attempts == 1 }
        #expect(mail.deliveries.isEmpty)
        #expect(desktop.deliveries[0].title == "Follow up with Ada Lovelace")
        #expect(desktop.deliveries[0].body.hasPrefix("You asked for advice."))

        clock.advance(by: 6)    // past the first back-off (5 s)
        service.wake()
        try await eventually { mail.attempts == 2 }
        clock.advance(by: 11)   // past the second (10 s)
        service.wake()
        try await eventually { mail.deliveries.count == 1 }

        clock.advance(by: 3600)
        service.wake()
        try await Task.sleep(for: .milliseconds(100))
        service.stop()
        #expect(mail.deliveries.count == 1 && desktop.deliveries.count == 1)
        let statuses = try #require(try store.deliveries(inboxItemIDs: [item.id])[item.id])
        #expect(statuses.map(\.channel).sorted() == ["desktop", "mail"])
        #expect(statuses.allSatisfy { $0.state == "sent" })
        #expect(statuses.first { $0.channel == "mail" }?.attempts == 2)
    }

    @Test func backOffDoublesAndIsBounded() {
        #expect(DeliveryService.backoff(attempts: 0) == 5)
        #expect(DeliveryService.backoff(attempts: 1) == 10)
        #expect(DeliveryService.backoff(attempts: 3) == 40)
        #expect(DeliveryService.backoff(attempts: 50) == 600)
    }
}
