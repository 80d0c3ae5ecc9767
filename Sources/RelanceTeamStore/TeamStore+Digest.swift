import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// The daily digest per team user (issue #16, v14): every node with a digest may send a
/// user's digest of a day, and the database decides which one does, as for an outbox
/// job. The (user, day) row is claimed in ONE statement (`INSERT … ON CONFLICT DO
/// UPDATE … WHERE` the row is still pending and its lease has run out): a node that
/// finds it sent, or held by another node, leaves it. A node that dies mid-send leaves it
/// to whichever node claims it after the lease (at least once); an outcome is recorded
/// only under the claim it was sent under.
extension TeamStore {
    /// A team user who gets a digest: one with an address.
    public struct DigestRecipient: Sendable, Equatable {
        public var user: String
        public var mail: String
        /// Their IANA zone name; nil: the node's.
        public var zone: String?

        public init(user: String, mail: String, zone: String?) {
            self.user = user; self.mail = mail; self.zone = zone
        }
    }

    /// What a claim of a (user, day) digest found.
    public enum DigestClaim: Sendable, Equatable {
        /// This node sends it; the token to record its outcome under.
        case claimed(Int64)
        /// Already sent (or found empty): nothing to do that day.
        case sent
        /// Another node holds it, or it waits out a back-off: look again then.
        case heldUntil(Date)
    }

    /// Every team user with an address (a user without one gets no digest), by name.
    public func digestRecipients() throws -> [DigestRecipient] {
        try withConnection { connection in
            try connection.query("SELECT name, mail, time_zone FROM team_user WHERE mail IS NOT NULL ORDER BY name",
                                 logger: logger).wait().map { row in
                let (user, mail, zone) = try row.decode((String, String, String?).self)
                return DigestRecipient(user: user, mail: mail, zone: zone)
            }
        }
    }

    /// Claims `user`'s digest of `day` (yyyymmdd, their zone) for this node for the
    /// lease, in one statement, unless it was sent or another node holds it.
    public func claimDigest(of user: String, day: Int, at now: Date) throws -> DigestClaim {
        let leaseEnd = now.addingTimeInterval(settings.deliveryLease)
        return try withConnection { connection in
            if let claim = try connection.query("""
                INSERT INTO digest (user_name, day, claimed_by, next_attempt_at) VALUES (\(user), \(Int32(day)), \(settings.node), \(leaseEnd))
                ON CONFLICT (user_name, day) DO UPDATE
                    SET claimed_by = EXCLUDED.claimed_by, claims = digest.claims + 1, next_attempt_at = EXCLUDED.next_attempt_at
                    WHERE digest.state = 'pending' AND digest.next_attempt_at <= \(now)
                RETURNING claims
                """, logger: logger).wait().first {
                return .claimed(try claim.decode(Int64.self))
            }
            // Not ours: a read of what stopped it (the row exists: the insert conflicted).
            guard let row = try connection.query("SELECT state, next_attempt_at FROM digest WHERE user_name = \(user) AND day = \(Int32(day))",
                                                 logger: logger).wait().first else { return .heldUntil(now) }
            let (state, next) = try row.decode((String, Date).self)
            return state == "sent" ? .sent : .heldUntil(next)
        }
    }

    /// Records the digest sent (or, with no items, found empty and not mailed) under the
    /// claim `claim`, in one transaction: `owned`, the listed items that are the user's own,
    /// have their mail jobs still waiting (a node in digest mode sends no per-item mail)
    /// marked sent by the digest, as the personal store does. False when the claim was
    /// lost (the lease ran out and another node retook it): that node records its own.
    @discardableResult
    public func recordDigestSent(of user: String, day: Int, claim: Int64, items: Int, owned: [Int64], receipt: String?,
                                 at now: Date) throws -> Bool {
        try transaction { connection in
            guard try connection.query("""
                UPDATE digest SET state = 'sent', sent_at = \(now), sent_by = \(settings.node), items = \(Int32(items)),
                                  receipt = \(receipt), last_error = NULL, claimed_by = NULL
                WHERE user_name = \(user) AND day = \(Int32(day)) AND claims = \(claim) AND state = 'pending'
                RETURNING day
                """, logger: logger).wait().first != nil else { return false }
            // Only jobs no node is sending (a claimed one is on its way and records itself).
            try run(connection, """
                UPDATE outbox SET state = 'sent', sent_at = \(now), sent_by = \(settings.node), receipt = \(receipt), digest = true
                WHERE inbox_item_id = ANY(\(owned)) AND channel = \(Self.mailChannel) AND state = 'pending' AND claimed_by IS NULL
                """)
            return true
        }
    }

    /// Records a failed send and when any node may try again (releasing the claim), if
    /// the claim is still this node's.
    public func recordDigestFailed(of user: String, day: Int, claim: Int64, error: String, retryAt: Date) throws {
        try withConnection { connection in
            try run(connection, """
                UPDATE digest SET attempts = attempts + 1, last_error = \(error), next_attempt_at = \(retryAt), claimed_by = NULL
                WHERE user_name = \(user) AND day = \(Int32(day)) AND claims = \(claim) AND state = 'pending'
                """)
        }
    }

    /// The team's random Message-ID namespace (v3), for the digests' keys.
    public func messageNamespace() throws -> String {
        try withConnection { try Self.messageNamespace($0, logger: logger) }
    }
}
