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
    func eventually(_ condition: () throws -> Bool, _ state: () -> String = { "" }) async throws {
        // Generous: other suites may hold the cooperative threads for a while.
        for _ in 0..<1000 {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition never became true: \(state())")
    }

    @Test func aFailingChannelRetriesWithBackOffNeverBlocksAnotherAndIsNeverResent() async throws {
        let store = try AppDatabase.inMemory()
        let clock = ManualClock("2030-12-02T09:00:00Z")  // in the future: the real timer never fires on its own
        let mail = RecordingChannel(name: "mail")
        let desktop = RecordingChannel(name: "desktop")
        mail.failNext(2)
        let service = DeliveryService(store: store, clock: clock, logger: Logger(label: "test"), channels: [mail, desktop])
        let (reminder, _) = try store.addReminder(text: "Follow up with Ada Lovelace — you asked for advice", dueAt: clock.now(), contactID: nil)
        let item = try #require(try store.fireDue(expected: [ScheduledReminder(id: reminder.id, due: clock.now())], at: clock.now(), late: false,
                                               rules: TimingRules(userZone: .current), channels: service.channelNames).items.first)

        service.start()
        // Wait for the failure to be *recorded* (the back-off counts from then), not only tried.
        func recordedMailAttempts() throws -> Int {
            try store.deliveries(inboxItemIDs: [item.id])[item.id]?.first { $0.channel == "mail" }?.attempts ?? 0
        }
        try await eventually({ try desktop.deliveries.count == 1 && recordedMailAttempts() == 1 },
                             { "desktop \(desktop.deliveries.count), mail attempts \(mail.attempts), \(String(describing: try? store.deliveries(inboxItemIDs: [item.id])))" })
        #expect(mail.deliveries.isEmpty)
        #expect(desktop.deliveries[0].title == "Follow up with Ada Lovelace")
        #expect(desktop.deliveries[0].body.hasPrefix("You asked for advice."))

        // The manual clock never reaches the real timer: poke the service while polling
        // (a wake while the failed attempt is still being recorded is a no-op).
        clock.advance(by: 6)    // past the first back-off (5 s)
        try await eventually({ service.wake(); return try recordedMailAttempts() == 2 }, { "mail attempts \(mail.attempts)" })
        clock.advance(by: 11)   // past the second (10 s)
        try await eventually({ service.wake(); return mail.deliveries.count == 1 }, { "mail attempts \(mail.attempts)" })

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
