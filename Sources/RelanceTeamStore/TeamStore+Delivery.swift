import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// The team's outbox, sent from every node (issue #16). A due job is claimed in ONE
/// statement (`FOR UPDATE SKIP LOCKED`) that moves its next attempt to the end of a
/// lease and counts its claims up: no other node sees it due until the lease runs out,
/// so no job is sent by two nodes at once. A node that dies mid-send leaves the job to
/// whichever node claims it after the lease (at least once, never lost). An outcome is
/// recorded only under the claim it was sent under: a node that lost its claim (it was
/// slower than its lease) cannot overwrite what the job's new holder records.
extension TeamStore: DeliveryStore {
    public var deliveryLease: TimeInterval? { settings.deliveryLease }

    public func claimDueDeliveries(at now: Date, channels: [String], limit: Int) throws -> [DeliveryJob] {
        guard !channels.isEmpty, limit > 0 else { return [] }
        let leaseEnd = now.addingTimeInterval(settings.deliveryLease)
        // A desktop job addressed to a user is for a node showing their screen; the
        // team's own (no recipient) for any node with a desktop.
        let screen = screenUser.withLockedValue { $0 }
        return try withConnection { connection in
            let namespace = try Self.messageNamespace(connection, logger: logger)
            return try connection.query("""
                WITH due AS (
                    SELECT id FROM outbox
                    WHERE state = 'pending' AND next_attempt_at <= \(now) AND channel = ANY(\(channels))
                      AND (channel <> \(Self.desktopChannel) OR recipient IS NULL OR recipient = \(screen))
                    ORDER BY next_attempt_at, id LIMIT \(limit) FOR UPDATE SKIP LOCKED
                ), claimed AS (
                    UPDATE outbox SET claimed_by = \(settings.node), claims = claims + 1, next_attempt_at = \(leaseEnd)
                    FROM due WHERE outbox.id = due.id
                    RETURNING outbox.id, outbox.channel, outbox.attempts, outbox.claims, outbox.inbox_item_id, outbox.recipient,
                              outbox.reminder_id
                )
                SELECT claimed.id, claimed.channel, claimed.attempts, claimed.claims, claimed.recipient, claimed.reminder_id,
                       (SELECT p.receipt FROM outbox p
                        WHERE p.inbox_item_id = claimed.inbox_item_id AND p.channel = claimed.channel AND p.id <> claimed.id
                          AND p.state = 'sent' AND p.sent_by = \(settings.node) AND p.receipt IS NOT NULL
                        ORDER BY p.sent_at DESC LIMIT 1),
                       \(unescaped: Self.inboxColumns(of: "i"))
                FROM claimed JOIN inbox_item i ON i.id = claimed.inbox_item_id
                ORDER BY claimed.id
                """, logger: logger).wait().map { row in
                let (id, channel, attempts, claim, recipient, firing, previous) =
                    try row.decode((Int64, String, Int32, Int64, String?, Int64, String?).self)
                // The item's columns follow the job's seven.
                let item = try Self.inboxItem(row, from: 7)
                // `firing`: the item's own reminder, or the snooze comeback this job is for
                // (its own Message-ID); `previous`: this node's last popup of the item, to
                // replace (another node's screen is not this one's).
                return DeliveryJob(id: id, channel: channel, item: item, attempts: Int(attempts), previousReceipt: previous,
                                   reminderID: firing, messageNamespace: namespace, claim: claim, recipient: recipient)
            }
        }
    }

    public func nextDeliveryAttempt(channels: [String]) throws -> Date? {
        let screen = screenUser.withLockedValue { $0 }  // what this node may claim, as above
        return try withConnection { connection in
            try connection.query("""
                SELECT min(next_attempt_at) FROM outbox
                WHERE state = 'pending' AND channel = ANY(\(channels))
                  AND (channel <> \(Self.desktopChannel) OR recipient IS NULL OR recipient = \(screen))
                """, logger: logger).wait().first!.decode(Date?.self)
        }
    }

    public func recordDelivered(_ job: DeliveryJob, at now: Date, receipt: String) throws -> Bool {
        try withConnection { connection in
            try connection.query("""
                UPDATE outbox SET state = 'sent', sent_at = \(now), sent_by = \(settings.node), last_attempt_at = \(now),
                                  receipt = \(receipt), last_error = NULL, claimed_by = NULL
                WHERE id = \(job.id) AND claims = \(job.claim) AND state = 'pending'
                RETURNING id
                """, logger: logger).wait().first != nil
        }
    }

    public func recordDeliveryFailed(_ job: DeliveryJob, at now: Date, error: String, retryAt: Date) throws {
        try withConnection { connection in
            try run(connection, """
                UPDATE outbox SET attempts = attempts + 1, last_attempt_at = \(now), last_error = \(error),
                                  next_attempt_at = \(retryAt), claimed_by = NULL
                WHERE id = \(job.id) AND claims = \(job.claim) AND state = 'pending'
                """)
        }
    }

    public func expediteDeliveries(channel: String, at now: Date) throws {
        // Only jobs waiting out a back-off: a claimed one is on its way from some node.
        try withConnection { connection in
            try run(connection, """
                UPDATE outbox SET next_attempt_at = \(now)
                WHERE channel = \(channel) AND state = 'pending' AND claimed_by IS NULL AND next_attempt_at > \(now)
                """)
        }
    }

    /// The inbox item a desktop notification this node showed belongs to (the latest
    /// with that id: a notification server numbers its popups afresh when it restarts).
    /// This node's own, as `shownDeliveries`: another node's popup ids are its screen's.
    public func inboxItemID(desktopReceipt receipt: String) throws -> Int64? {
        try withConnection { connection in
            try connection.query("""
                SELECT inbox_item_id FROM outbox
                WHERE channel = \(Self.desktopChannel) AND receipt = \(receipt) AND sent_by = \(settings.node)
                ORDER BY sent_at DESC, id DESC LIMIT 1
                """, logger: logger).wait().first?.decode(Int64.self)
        }
    }

    /// This node's own: a popup is on the screen of the node that showed it.
    /// Every delivery of these items (their outbox jobs), by item, as the personal
    /// store reports them on `Inbox`.
    public func deliveries(inboxItemIDs: [Int64]) throws -> [Int64: [DeliveryStatus]] {
        guard !inboxItemIDs.isEmpty else { return [:] }
        return try withConnection { connection in
            let rows = try connection.query("""
                SELECT inbox_item_id, channel, state, attempts, last_attempt_at, sent_at, last_error, digest FROM outbox
                WHERE inbox_item_id = ANY(\(inboxItemIDs)) ORDER BY id
                """, logger: logger).wait()
            var byItem: [Int64: [DeliveryStatus]] = [:]
            for row in rows {
                let (itemID, channel, state, attempts, lastAttemptAt, sentAt, lastError, digest) =
                    try row.decode((Int64, String, String, Int32, Date?, Date?, String?, Bool).self)
                byItem[itemID, default: []].append(DeliveryStatus(
                    channel: channel, state: state, attempts: Int(attempts), lastAttemptAt: lastAttemptAt, sentAt: sentAt,
                    lastError: lastError, digest: digest))
            }
            return byItem
        }
    }

    public func shownDeliveries(inboxItemID: Int64) throws -> [(channel: String, receipt: String)] {
        try withConnection { connection in
            try connection.query("""
                SELECT channel, receipt FROM outbox
                WHERE inbox_item_id = \(inboxItemID) AND state = 'sent' AND receipt IS NOT NULL AND sent_by = \(settings.node)
                """, logger: logger).wait().map { row in
                let (channel, receipt) = try row.decode((String, String).self)
                return (channel, receipt)
            }
        }
    }

    /// The team's random Message-ID namespace (made by migration v3).
    static func messageNamespace(_ connection: PostgresConnection, logger: Logger) throws -> String {
        try connection.query("SELECT value FROM relance_bookkeeping WHERE key = 'messageNamespace'", logger: logger).wait()
            .first?.decode(String.self) ?? ""
    }
}
