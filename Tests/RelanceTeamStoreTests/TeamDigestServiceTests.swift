import Foundation
import Logging
import RelanceCore
import RelanceDaemon
import RelanceDelivery
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// The team digest's timer on a manual clock, two nodes on one real PostgreSQL 15: each
/// node's ONE timer is armed for the next user's digest time in that user's zone, the
/// digest goes out once across the nodes, and a node that was down sends the missed one.
@Suite(.serialized) struct TeamDigestServiceTests {
    let t0 = instant("2026-12-01T06:00:00Z")  // 07:00 in Paris (the nodes' zone), 01:00 in New York
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    let logger = Logger(label: "team-digest-test")

    /// lea (the node's zone) and sam (New York) with addresses, kim without; an item each
    /// and one of the team's, unread.
    func team(_ store: TeamStore) throws {
        try store.setMail(of: "lea", to: "lea@example.org", at: t0)
        try store.setMail(of: "sam", to: "Sam <sam@example.org>", at: t0)
        _ = try store.setZone(of: "sam", to: "America/New_York", rules: rules, at: t0)
        _ = try store.setZone(of: "kim", to: "Europe/Paris", rules: rules, at: t0)
        for (text, owner) in [("Lea's call", "lea"), ("Sam's call", "sam"), ("Kim's call", "kim"), ("The team's call", nil)] {
            _ = try store.addReminder(text: text, dueAt: t0, owner: owner)
        }
        _ = try store.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: [])
    }

    func service(_ store: TeamStore, _ channel: RecordingChannel, _ clock: ManualClock) -> TeamDigestService {
        TeamDigestService(store: store, channel: channel, time: LocalTimeOfDay(hour: 8), zone: { TimeZone(identifier: "Europe/Paris")! },
                          clock: clock, logger: logger)
    }

    func idle(_ services: [TeamDigestService]) async {
        for service in services { await service.waitUntilIdle() }
    }

    @Test func eachUsersDigestGoesOnceAtTheirTimeInTheirZoneFromOneOfTwoNodes() async throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try team(a)
        let clock = ManualClock(t0)
        let channels = [RecordingChannel(name: "mail"), RecordingChannel(name: "mail")]
        let services = [service(a, channels[0], clock), service(b, channels[1], clock)]
        services.forEach { $0.start() }
        await idle(services)
        func sent() -> [ReminderNotification] { channels.flatMap(\.deliveries) }
        #expect(sent().isEmpty)
        // Both nodes sleep until lea's 08:00 in Paris; none polls.
        #expect(clock.armedDeadlines == [instant("2026-12-01T07:00:00Z"), instant("2026-12-01T07:00:00Z")])

        clock.advance(to: instant("2026-12-01T07:00:00Z"))
        try await waitUntilAsync { sent().count == 1 }
        await idle(services)
        let leas = try #require(sent().first)
        #expect(leas.recipient == "lea@example.org" && leas.kind == "digest" && leas.title == "Relance: 2 reminders waiting")
        #expect(leas.body.contains("Lea's call") && leas.body.contains("The team's call"))
        #expect(!leas.body.contains("Sam's call") && !leas.body.contains("Kim's call"))
        #expect(leas.deliveryKey?.hasSuffix(".digest-20261201.lea") == true)
        // The node that did not send it looks again when the sender's claim would run out.
        clock.advance(to: instant("2026-12-01T07:05:00Z"))
        await idle(services)
        #expect(sent().count == 1)
        #expect(clock.armedDeadlines == [instant("2026-12-01T13:00:00Z"), instant("2026-12-01T13:00:00Z")])

        // sam's 08:00 in New York.
        clock.advance(to: instant("2026-12-01T13:00:00Z"))
        try await waitUntilAsync { sent().count == 2 }
        clock.advance(to: instant("2026-12-01T13:05:00Z"))
        await idle(services)
        let sams = try #require(sent().last)
        #expect(sent().count == 2 && sams.recipient == "Sam <sam@example.org>")
        #expect(sams.body.contains("Sam's call") && sams.body.contains("The team's call") && !sams.body.contains("Lea's call"))
        #expect(sams.timeZone.identifier == "America/New_York")
        // Then lea's of the next day; kim (no address) never.
        #expect(clock.armedDeadlines == [instant("2026-12-02T07:00:00Z"), instant("2026-12-02T07:00:00Z")])
        #expect(try server.psql("SELECT user_name, day, items FROM digest ORDER BY user_name") == "lea|20261201|2\nsam|20261201|2\n")
        services.forEach { $0.stop() }
        a.close(); b.close()
    }

    @Test func aNodeDownAtDigestTimeSendsTheMissedOneOnceWhenItComesBack() async throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try team(a)
        // Both nodes were down at lea's 08:00; a comes back at 09:30, b at 09:45.
        let clock = ManualClock(instant("2026-12-01T08:30:00Z"))
        let channels = [RecordingChannel(name: "mail"), RecordingChannel(name: "mail")]
        let first = service(a, channels[0], clock)
        first.start()
        try await waitUntilAsync { channels[0].deliveries.count == 1 }
        await first.waitUntilIdle()
        first.stop()
        clock.advance(to: instant("2026-12-01T08:45:00Z"))
        let second = service(b, channels[1], clock)
        second.start()
        await second.waitUntilIdle()
        #expect(channels[1].deliveries.isEmpty)
        #expect(channels[0].deliveries.map(\.recipient) == ["lea@example.org"])
        #expect(clock.armedDeadlines == [instant("2026-12-01T13:00:00Z")])  // sam's, in New York
        second.stop()
        a.close(); b.close()
    }

    @Test func anAddressSetOnAnotherNodeIsFoundAtTheNodesNextDigestTime() async throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let clock = ManualClock(instant("2026-12-01T09:00:00Z"))  // 10:00 in Paris: today's 08:00 has passed
        let channel = RecordingChannel(name: "mail")
        let digest = service(a, channel, clock)
        digest.start()
        await digest.waitUntilIdle()
        // Nobody to mail: one wake-up, at the node's next 08:00.
        #expect(clock.armedDeadlines == [instant("2026-12-02T07:00:00Z")])
        // Set through b, which tells a nothing: a finds it at that wake-up.
        try b.setMail(of: "lea", to: "lea@example.org", at: clock.now())
        _ = try b.addReminder(text: "Lea's call", dueAt: clock.now(), owner: "lea")
        _ = try b.fireDue(expected: [], at: clock.now(), late: false, lateBefore: nil, rules: rules, channels: [])
        clock.advance(to: instant("2026-12-02T07:00:00Z"))
        try await waitUntilAsync { channel.deliveries.count == 1 }
        await digest.waitUntilIdle()
        #expect(channel.deliveries.first?.deliveryKey?.hasSuffix(".digest-20261202.lea") == true)
        digest.stop()
        a.close(); b.close()
    }

    @Test func aFailedDigestIsTriedAgainAfterItsBackOffNotInALoop() async throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        _ = try a.addReminder(text: "Lea's call", dueAt: t0, owner: "lea")
        _ = try a.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: [])
        let clock = ManualClock(instant("2026-12-01T07:00:00Z"))
        let channel = RecordingChannel(name: "mail")
        channel.failNext(1)
        let digest = service(a, channel, clock)
        digest.start()
        try await waitUntilAsync { channel.attempts == 1 }
        await digest.waitUntilIdle()
        #expect(channel.deliveries.isEmpty)
        #expect(clock.armedDeadlines == [instant("2026-12-01T07:05:00Z")])
        clock.advance(to: instant("2026-12-01T07:05:00Z"))
        try await waitUntilAsync { channel.deliveries.count == 1 }
        await digest.waitUntilIdle()
        #expect(channel.attempts == 2)
        #expect(try server.psql("SELECT state, attempts, claims FROM digest") == "sent|1|2\n")
        digest.stop()
        a.close()
    }
}
