import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
@testable import RelanceDaemon
import RelanceDelivery
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// The team's outbox on a real PostgreSQL 15: several stores on one database stand for
/// several nodes, each claiming due jobs for a lease (issue #16).
@Suite(.serialized) struct TeamDeliveryTests {
    let t0 = instant("2026-12-01T08:00:00Z")
    let logger = Logger(label: "team-delivery-test")

    func node(_ server: PostgresServer, _ name: String, lease: TimeInterval = 60) throws -> TeamStore {
        var settings = try TeamStoreSettings(url: server.url, node: name)
        settings.deliveryLease = lease
        return try TeamStore.open(settings, logger: logger)
    }

    /// `count` reminders due at t0, fired by `store` with a mail job each.
    func fire(_ count: Int, on store: TeamStore) throws -> [InboxItem] {
        for index in 0..<count { _ = try store.addReminder(text: "r\(index)", dueAt: t0) }
        return try store.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: TimingRules(userZone: .gmt),
                                 channels: ["mail"]).items
    }

    @Test func threeNodesClaimingTheSameDueJobsClaimEachOnce() throws {
        let server = try PostgresServer()
        let nodes = try (0..<3).map { try node(server, "n\($0)") }
        #expect(try fire(500, on: nodes[0]).count == 500)
        let claimed = NIOLockedValueBox<[[DeliveryJob]]>([[], [], []])
        // Each node claims small batches as fast as it can until nothing is left due.
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            while true {
                let jobs = try! nodes[index].claimDueDeliveries(at: t0.addingTimeInterval(1), channels: ["mail"], limit: 7)
                if jobs.isEmpty && (try! nodes[index].nextDeliveryAttempt(channels: ["mail"]))! > t0.addingTimeInterval(1) { break }
                claimed.withLockedValue { $0[index] += jobs }
            }
        }
        let all = claimed.withLockedValue { $0 }
        #expect(all.flatMap { $0 }.count == 500)
        #expect(Set(all.flatMap { $0 }.map(\.id)).count == 500)
        #expect(all.filter { !$0.isEmpty }.count >= 2)  // the race was real
        #expect(all.flatMap { $0 }.allSatisfy { $0.claim == 1 && $0.channel == "mail" && !$0.messageNamespace.isEmpty })
        #expect(try server.psql("SELECT count(*) FROM outbox WHERE claimed_by IS NULL") == "0\n")
        // A channel no node claims for is left alone.
        #expect(try nodes[1].claimDueDeliveries(at: t0.addingTimeInterval(3600), channels: ["desktop"], limit: 100).isEmpty)
        nodes.forEach { $0.close() }
    }

    @Test func aClaimWhoseLeaseRanOutIsRetakenAndTheStaleNodeCannotOverwrite() throws {
        let server = try PostgresServer()
        let a = try node(server, "a", lease: 60), b = try node(server, "b", lease: 60)
        _ = try fire(1, on: a)
        let claimed = try a.claimDueDeliveries(at: t0, channels: ["mail"], limit: 10)
        #expect(claimed.count == 1)
        let held = try #require(claimed.first)
        // Held: not due for anyone during the lease.
        #expect(try b.claimDueDeliveries(at: t0.addingTimeInterval(59), channels: ["mail"], limit: 10).isEmpty)
        #expect(try b.nextDeliveryAttempt(channels: ["mail"]) == t0.addingTimeInterval(60))
        // a hangs past its lease: b retakes the job, under a new claim.
        let retakes = try b.claimDueDeliveries(at: t0.addingTimeInterval(61), channels: ["mail"], limit: 10)
        #expect(retakes.count == 1)
        let retaken = try #require(retakes.first)
        #expect(retaken.id == held.id && retaken.claim == held.claim + 1)
        // a comes back: neither its failure nor its success overwrites b's claim.
        try a.recordDeliveryFailed(held, at: t0.addingTimeInterval(62), error: "late", retryAt: t0.addingTimeInterval(67))
        #expect(try a.recordDelivered(held, at: t0.addingTimeInterval(62), receipt: "from a") == false)
        #expect(try server.psql("SELECT state, claimed_by, attempts FROM outbox") == "pending|b|0\n")
        #expect(try b.recordDelivered(retaken, at: t0.addingTimeInterval(63), receipt: "from b"))
        #expect(try server.psql("SELECT state, sent_by, receipt, claims FROM outbox") == "sent|b|from b|2\n")
        // What it shows is b's to take down, not a's.
        #expect(try b.shownDeliveries(inboxItemID: held.item.id).map(\.receipt) == ["from b"])
        #expect(try a.shownDeliveries(inboxItemID: held.item.id).isEmpty)
        #expect(try a.claimDueDeliveries(at: t0.addingTimeInterval(1000), channels: ["mail"], limit: 10).isEmpty)
        #expect(try a.nextDeliveryAttempt(channels: ["mail"]) == nil)
        a.close(); b.close()
    }

    @Test func aFailureReleasesTheClaimUntilItsRetryAndAClosedItemCancelsItsJobs() throws {
        let server = try PostgresServer()
        let a = try node(server, "a"), b = try node(server, "b")
        let items = try fire(2, on: a)
        let jobs = try a.claimDueDeliveries(at: t0, channels: ["mail"], limit: 10)
        #expect(jobs.count == 2)
        try a.recordDeliveryFailed(jobs[0], at: t0.addingTimeInterval(1), error: "550", retryAt: t0.addingTimeInterval(6))
        #expect(try b.nextDeliveryAttempt(channels: ["mail"]) == t0.addingTimeInterval(6))
        // Any node takes the retry; an expedite (the channel works again) brings it forward.
        try b.expediteDeliveries(channel: "mail", at: t0.addingTimeInterval(2))
        let retries = try b.claimDueDeliveries(at: t0.addingTimeInterval(2), channels: ["mail"], limit: 10)
        #expect(retries.count == 1)
        let retry = try #require(retries.first)
        #expect(retry.id == jobs[0].id && retry.attempts == 1)
        // The other item is closed while its job is on its way: the success is not recorded.
        let other = items.first { $0.id == jobs[1].item.id }!
        _ = try a.close(inboxID: other.id, as: .done)
        #expect(try a.recordDelivered(jobs[1], at: t0.addingTimeInterval(3), receipt: "r") == false)
        #expect(try server.psql("SELECT state FROM outbox WHERE id = \(jobs[1].id)") == "cancelled\n")
        a.close(); b.close()
    }

    @Test func theDeliveryServiceOnThreeNodesSendsEachJobOnce() async throws {
        let server = try PostgresServer()
        let clock = ManualClock(t0)
        let stores = try (0..<3).map { try node(server, "n\($0)") }
        let channels = (0..<3).map { _ in RecordingChannel(name: "mail") }
        let services = (0..<3).map { index in
            DeliveryService(store: stores[index], clock: clock, logger: logger, channels: [channels[index]])
        }
        _ = try fire(300, on: stores[0])
        for service in services { service.start() }
        for service in services { service.wake() }
        try await waitUntilAsync { channels.map { $0.deliveries.count }.reduce(0, +) >= 300 }
        for service in services { await service.waitUntilIdle() }
        let delivered = channels.flatMap { $0.deliveries.map(\.inboxItemID) }
        #expect(delivered.count == 300 && Set(delivered).count == 300)
        #expect(try server.psql("SELECT count(*) FROM outbox WHERE state = 'sent'") == "300\n")
        for service in services { service.stop() }
        stores.forEach { $0.close() }
    }
}

/// `waitUntil` for async tests: the services deliver on their own tasks.
func waitUntilAsync(timeout: TimeInterval = 30, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw PostgresServer.Failure(message: "condition not met within \(timeout) s") }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
}
