import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// A node's name is its own while it runs, on a real PostgreSQL 15 (issue #16): a second
/// node under it is refused, a stopped node frees it, a session the server dropped is
/// taken again, and a restart takes back what its
/// last run had claimed and not finished (due at once, not after the lease). A killed
/// node's restart is the e2e kill -9 tests' (Tests/e2e/test_team_mode.py, test_delivery.py).
@Suite(.serialized) struct TeamNodeNameTests {
    let t0 = instant("2026-12-01T08:00:00Z")

    @Test func aNameARunningNodeHoldsIsRefusedUntilThatNodeStops() throws {
        let server = try PostgresServer()
        let first = try server.node("laptop"), second = try server.node("laptop"), other = try server.node("desk")
        try first.holdNodeName()

        #expect(throws: TeamStoreError.nodeNameTaken("laptop")) { try second.holdNodeName(patience: 0.5) }
        try other.holdNodeName(patience: 0)  // another name is free
        #expect(TeamStoreError.nodeNameTaken("laptop").description.contains("[store] node"))

        first.close()
        try second.holdNodeName(patience: 10)
        second.close(); other.close()
    }

    @Test func aSessionTheServerDroppedIsTakenAgainAndStillKeepsTheNameItsOwn() throws {
        let server = try PostgresServer()
        let node = try server.node("laptop")
        try node.holdNodeName()
        let held = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = \(0x726C_6E64) AND granted"
        let first = try server.psql(held)

        // When the server ends the session (a restart, a cut), the node takes its name again
        _ = try server.psql("SELECT pg_terminate_backend(pid) FROM (\(held)) AS holder")
        try waitUntil { let now = try server.psql(held); return !now.isEmpty && now != first }

        // and it is still its own: another node under it is refused.
        let other = try server.node("laptop")
        #expect(throws: TeamStoreError.nodeNameTaken("laptop")) { try other.holdNodeName(patience: 0) }
        other.close(); node.close()
    }

    @Test func aRestartTakesBackItsOwnUnfinishedClaimsOnlyAndTheyAreDueAtOnce() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        for index in 0..<2 { _ = try a.addReminder(text: "r\(index)", dueAt: t0) }
        _ = try a.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: TimingRules(userZone: .gmt), channels: ["mail"])
        // a claims one job and lea's digest, b the other job; then a is killed mid-send.
        let aJobs = try a.claimDueDeliveries(at: t0, channels: ["mail"], limit: 1)
        let bJobs = try b.claimDueDeliveries(at: t0, channels: ["mail"], limit: 1)
        #expect(aJobs.count == 1 && bJobs.count == 1)
        #expect(try a.claimDigest(of: "lea", day: 20261201, at: t0) == .claimed(1))
        a.close()

        // When a starts again, 5 s later (well within the lease),
        let restarted = try server.node("a")
        try restarted.holdNodeName()
        let now = t0.addingTimeInterval(5)
        #expect(try restarted.takeBackOwnClaims(now: now) == 2)
        #expect(try restarted.takeBackOwnClaims(now: now) == 0)  // once

        // Then its job and digest are due now, for any node; b's claim is still b's.
        let retaken = try b.claimDueDeliveries(at: now, channels: ["mail"], limit: 10)
        #expect(retaken.map(\.id) == aJobs.map(\.id))
        #expect(retaken.first?.claim == 2)
        #expect(try restarted.claimDigest(of: "lea", day: 20261201, at: now) == .claimed(2))
        #expect(try server.psql("SELECT claimed_by FROM outbox WHERE id = \(bJobs[0].id)") == "b\n")
        restarted.close(); b.close()
    }
}
