import Dispatch
import Foundation
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// The daily digest per team user on a real PostgreSQL 15 (team schema v14, issue #16):
/// a (user, day) digest is claimed by one node at a time, sent once, retaken after the
/// lease when its node died, and recorded only under the claim it was sent under.
@Suite(.serialized) struct TeamDigestTests {
    let t0 = instant("2026-12-01T08:00:00Z")
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    let day = 20261201

    @Test func onlyUsersWithAnAddressGetADigestEachInTheZoneTheySet() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        try a.setMail(of: "sam", to: "sam@example.org", at: t0)
        try a.setMail(of: "lea", to: "Lea <lea@example.org>", at: t0)
        _ = try a.setZone(of: "lea", to: "Asia/Tokyo", rules: rules, at: t0)
        _ = try a.setZone(of: "kim", to: "Europe/Paris", rules: rules, at: t0)  // no address: no digest
        #expect(try a.digestRecipients() == [
            TeamStore.DigestRecipient(user: "lea", mail: "Lea <lea@example.org>", zone: "Asia/Tokyo"),
            TeamStore.DigestRecipient(user: "sam", mail: "sam@example.org", zone: nil),
        ])
        a.close()
    }

    @Test func aDigestIsClaimedByOneNodeAndOnceSentStaysSent() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        let lease = try #require(a.deliveryLease)
        #expect(try a.claimDigest(of: "lea", day: day, at: t0) == .claimed(1))
        // Held by a for the lease: b leaves it, and knows when to look again.
        #expect(try b.claimDigest(of: "lea", day: day, at: t0) == .heldUntil(t0.addingTimeInterval(lease)))
        #expect(try a.recordDigestSent(of: "lea", day: day, claim: 1, items: 2, owned: [], receipt: "250 OK", at: t0))
        // Sent: nobody sends it again, even long after its lease.
        #expect(try b.claimDigest(of: "lea", day: day, at: t0.addingTimeInterval(3 * lease)) == .sent)
        #expect(try a.claimDigest(of: "lea", day: day, at: t0.addingTimeInterval(3 * lease)) == .sent)
        // The next day is a digest of its own; another user's is theirs.
        #expect(try b.claimDigest(of: "lea", day: day + 1, at: t0.addingTimeInterval(86_400)) == .claimed(1))
        try b.setMail(of: "sam", to: "sam@example.org", at: t0)
        #expect(try b.claimDigest(of: "sam", day: day, at: t0) == .claimed(1))
        #expect(try server.psql("SELECT user_name, day, state, coalesce(sent_by, '-'), coalesce(items, -1) FROM digest ORDER BY user_name, day") == """
            lea|20261201|sent|a|2
            lea|20261202|pending|-|-1
            sam|20261201|pending|-|-1

            """)
        a.close(); b.close()
    }

    @Test func threeNodesClaimingTogetherGetItOnce() throws {
        let server = try PostgresServer()
        let stores = try ["a", "b", "c"].map { try server.node($0) }
        try stores[0].setMail(of: "lea", to: "lea@example.org", at: t0)
        let claims = NIOLockedValueBox<[TeamStore.DigestClaim]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            if let claim = try? stores[index].claimDigest(of: "lea", day: day, at: t0) {
                claims.withLockedValue { $0.append(claim) }
            }
        }
        let found = claims.withLockedValue { $0 }
        #expect(found.count == 3)
        #expect(found.filter { $0 == .claimed(1) }.count == 1)
        #expect(found.filter { $0 == .heldUntil(t0.addingTimeInterval(stores[0].deliveryLease!)) }.count == 2)
        stores.forEach { $0.close() }
    }

    @Test func aDigestWhoseNodeDiedIsRetakenAfterItsLeaseAndTheLateRecordIsRefused() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        let lease = try #require(a.deliveryLease)
        #expect(try a.claimDigest(of: "lea", day: day, at: t0) == .claimed(1))
        // a died mid-send: once the lease has run out, b takes it over (at least once).
        #expect(try b.claimDigest(of: "lea", day: day, at: t0.addingTimeInterval(lease - 1)) == .heldUntil(t0.addingTimeInterval(lease)))
        #expect(try b.claimDigest(of: "lea", day: day, at: t0.addingTimeInterval(lease)) == .claimed(2))
        // a, back late, cannot record under its lost claim; b records under its own.
        #expect(try !a.recordDigestSent(of: "lea", day: day, claim: 1, items: 1, owned: [], receipt: "a's", at: t0))
        try a.recordDigestFailed(of: "lea", day: day, claim: 1, error: "late", retryAt: t0)
        #expect(try b.recordDigestSent(of: "lea", day: day, claim: 2, items: 1, owned: [], receipt: "b's", at: t0))
        #expect(try server.psql("SELECT state, claims, sent_by, receipt, attempts FROM digest") == "sent|2|b|b's|0\n")
        a.close(); b.close()
    }

    @Test func aFailedDigestWaitsOutItsBackOffOnEveryNode() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        #expect(try a.claimDigest(of: "lea", day: day, at: t0) == .claimed(1))
        let retry = t0.addingTimeInterval(300)
        try a.recordDigestFailed(of: "lea", day: day, claim: 1, error: "SMTP 451", retryAt: retry)
        #expect(try b.claimDigest(of: "lea", day: day, at: t0.addingTimeInterval(10)) == .heldUntil(retry))
        #expect(try b.claimDigest(of: "lea", day: day, at: retry) == .claimed(2))
        #expect(try server.psql("SELECT state, claims, attempts, last_error, claimed_by FROM digest") == "pending|2|1|SMTP 451|b\n")
        a.close(); b.close()
    }

    @Test func theDigestMarksTheUsersWaitingMailJobsSentAndLeavesOthers() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        _ = try a.addReminder(text: "lea's", dueAt: t0, owner: "lea")
        _ = try a.addReminder(text: "team's", dueAt: t0)
        // A node in digest mode has no per-item mail channel: lea's job waits.
        let items = try a.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: ["mail"]).items
        let leas = try #require(items.first { $0.text == "lea's" })
        #expect(try a.claimDigest(of: "lea", day: day, at: t0) == .claimed(1))
        #expect(try a.recordDigestSent(of: "lea", day: day, claim: 1, items: 2, owned: [leas.id], receipt: "250 digest", at: t0))
        #expect(try server.psql("""
            SELECT r.text, o.state, coalesce(o.receipt, '-'), o.digest FROM outbox o JOIN reminder r ON r.id = o.reminder_id ORDER BY r.text
            """) == """
            lea's|sent|250 digest|t
            team's|pending|-|f

            """)
        // `relancectl inbox` says so: "mail … ✓ (digest)".
        #expect(try a.deliveries(inboxItemIDs: [leas.id])[leas.id]?.map(\.digest) == [true])
        a.close()
    }
}
