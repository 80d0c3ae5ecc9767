import Foundation
import GRDB
import RelanceCore

/// A delivery job: one fired inbox item to put in front of the user on one channel.
public struct DeliveryJob: Sendable, Equatable {
    public var id: Int64
    public var channel: String
    public var item: InboxItem
    /// Failed attempts so far.
    public var attempts: Int
    /// The previous successful delivery's receipt for this item on this channel (the
    /// desktop notification id to replace), if any.
    public var previousReceipt: String?
    /// The firing this job delivers: the item's own reminder, or the snooze that brought it back.
    public var reminderID: Int64 = 0
    /// This store's random Message-ID namespace (see `messageNamespace()`).
    public var messageNamespace: String = ""
    /// In a shared store, which claim of the job this is (each claim counts one up): a
    /// node records an outcome only under the claim it holds.
    public var claim: Int64 = 0
    /// In a team store, the address a mail job is for (its reminder's owner's, fixed when
    /// it fired); nil: the channel's own recipients (`[mail] to`), as in the personal store.
    public var recipient: String?

    public init(id: Int64, channel: String, item: InboxItem, attempts: Int, previousReceipt: String? = nil,
                reminderID: Int64 = 0, messageNamespace: String = "", claim: Int64 = 0, recipient: String? = nil) {
        self.id = id; self.channel = channel; self.item = item; self.attempts = attempts
        self.previousReceipt = previousReceipt; self.reminderID = reminderID
        self.messageNamespace = messageNamespace; self.claim = claim; self.recipient = recipient
    }

    /// The globally unique key of this firing of the item: the store's namespace and the
    /// item; a comeback after a snooze adds its firing, so it is a new mail.
    public var deliveryKey: String { MessageKey.delivery(namespace: messageNamespace, item: item, reminderID: reminderID) }
    /// The key of the item's first firing when this one is a comeback, for `References:`.
    public var firstDeliveryKey: String? {
        reminderID == item.reminderID ? nil : MessageKey.delivery(namespace: messageNamespace, item: item, reminderID: item.reminderID)
    }
}

/// How Message-ID left parts are made (RFC 5322 §3.6.4: globally unique, dot-atoms).
public enum MessageKey {
    /// `<namespace>.inbox-42` for an item's first firing, `<namespace>.inbox-42.r-57` for
    /// its comeback through reminder 57.
    public static func delivery(namespace: String, item: InboxItem, reminderID: Int64) -> String {
        let base = namespace.isEmpty ? "inbox-\(item.id)" : "\(namespace).inbox-\(item.id)"
        return reminderID == item.reminderID || reminderID == 0 ? base : base + ".r-\(reminderID)"
    }

    /// `<namespace>.digest-20261130` for the digest of that day.
    public static func digest(namespace: String, day: Int) -> String {
        namespace.isEmpty ? "digest-\(day)" : "\(namespace).digest-\(day)"
    }

    /// `<namespace>.digest-20261130.lea` for team user lea's digest of that day.
    public static func digest(namespace: String, day: Int, user: String) -> String {
        digest(namespace: namespace, day: day) + "." + user
    }
}

/// How one delivery of an inbox item went, for display.
public struct DeliveryStatus: Sendable, Equatable, Codable {
    public var channel: String
    /// pending or sent.
    public var state: String
    public var attempts: Int
    public var lastAttemptAt: Date?
    public var sentAt: Date?
    public var lastError: String?
    /// Sent as part of the daily digest.
    public var digest: Bool

    public init(channel: String, state: String, attempts: Int, lastAttemptAt: Date?, sentAt: Date?, lastError: String?,
                digest: Bool) {
        self.channel = channel; self.state = state; self.attempts = attempts; self.lastAttemptAt = lastAttemptAt
        self.sentAt = sentAt; self.lastError = lastError; self.digest = digest
    }
}

struct DeliveryRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "delivery"
    var id: Int64?
    var inboxItemId: Int64
    var reminderId: Int64
    var channel: String
    var state: String
    var attempts: Int
    var nextAttemptAt: Date
    var lastAttemptAt: Date?
    var lastError: String?
    var receipt: String?
    var sentAt: Date?
    var digest: Bool

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var status: DeliveryStatus {
        DeliveryStatus(channel: channel, state: state, attempts: attempts, lastAttemptAt: lastAttemptAt,
                       sentAt: sentAt, lastError: lastError, digest: digest)
    }
}

extension AppDatabase {
    /// Inserts one pending job per channel for each fired item (part of the firing
    /// transaction; the unique key makes a repeat a no-op).
    static func enqueueDeliveries(_ db: Database, items: [InboxItem], reminderIDs: [Int64], channels: [String], at now: Date) throws {
        for (item, reminderID) in zip(items, reminderIDs) {
            for channel in channels {
                // Cached: this runs once per fired item and channel.
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO delivery (inboxItemId, reminderId, channel, state, attempts, nextAttemptAt, digest)
                    VALUES (?, ?, ?, \(DeliveryState.pending.sql), 0, ?, 0)
                    """).execute(arguments: [item.id, reminderID, channel, now.timeIntervalSince1970])
            }
        }
    }

    /// Pending jobs due at or before `now`, oldest first.
    public func dueDeliveries(at now: Date, limit: Int = 100) throws -> [DeliveryJob] {
        try writer.read { db in
            let namespace = try Self.messageNamespace(db)
            let records = try DeliveryRecord.filter(Column("state") == DeliveryState.pending.rawValue && Column("nextAttemptAt") <= now.timeIntervalSince1970)
                .order(Column("nextAttemptAt"), Column("id")).limit(limit).fetchAll(db)
            return try records.compactMap { record in
                guard let item = try InboxItemRecord.fetchOne(db, key: record.inboxItemId) else { return nil }
                let previous = try String.fetchOne(db, sql: """
                    SELECT receipt FROM delivery WHERE inboxItemId = ? AND channel = ? AND state = \(DeliveryState.sent.sql) AND id != ?
                    ORDER BY sentAt DESC LIMIT 1
                    """, arguments: [record.inboxItemId, record.channel, record.id])
                return DeliveryJob(id: record.id!, channel: record.channel, item: item.model, attempts: record.attempts,
                                   previousReceipt: previous, reminderID: record.reminderId, messageNamespace: namespace)
            }
        }
    }

    /// When the next pending job is due, if any.
    public func nextDeliveryAttempt() throws -> Date? {
        try writer.read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(nextAttemptAt) FROM delivery WHERE state = \(DeliveryState.pending.sql)")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Records a success: the job is done and is never sent again. False when the job
    /// was cancelled while it was in flight (its item was closed or snoozed): what it
    /// showed should be withdrawn.
    @discardableResult
    public func deliverySucceeded(id: Int64, at now: Date, receipt: String, digest: Bool = false) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE delivery SET state = \(DeliveryState.sent.sql), sentAt = ?, lastAttemptAt = ?, receipt = ?, lastError = NULL, digest = ?
                WHERE id = ? AND state = \(DeliveryState.pending.sql)
                """, arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, receipt, digest, id])
            let updated = db.changesCount > 0
            try db.execute(sql: "INSERT INTO deliveryAttempt (deliveryId, at, ok, detail) VALUES (?, ?, 1, ?)",
                           arguments: [id, now.timeIntervalSince1970, receipt])
            return updated
        }
    }

    /// What an item's deliveries showed that can still be on screen: the channel and
    /// receipt of each sent one.
    public func shownDeliveries(inboxItemID: Int64) throws -> [(channel: String, receipt: String)] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT channel, receipt FROM delivery
                WHERE inboxItemId = ? AND state = \(DeliveryState.sent.sql) AND receipt IS NOT NULL AND digest = 0
                """, arguments: [inboxItemID]).map { ($0[0], $0[1]) }
        }
    }

    /// Cancels the item's jobs still waiting to go out (inside the caller's transaction).
    static func cancelPendingDeliveries(_ db: Database, inboxItemID: Int64) throws {
        try db.execute(sql: """
            UPDATE delivery SET state = \(DeliveryState.cancelled.sql) WHERE inboxItemId = ? AND state = \(DeliveryState.pending.sql)
            """, arguments: [inboxItemID])
    }

    /// Records a failure and when to try again.
    public func deliveryFailed(id: Int64, at now: Date, error: String, retryAt: Date) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE delivery SET attempts = attempts + 1, lastAttemptAt = ?, lastError = ?, nextAttemptAt = ?
                WHERE id = ? AND state = \(DeliveryState.pending.sql)
                """, arguments: [now.timeIntervalSince1970, error, retryAt.timeIntervalSince1970, id])
            try db.execute(sql: "INSERT INTO deliveryAttempt (deliveryId, at, ok, detail) VALUES (?, ?, 0, ?)",
                           arguments: [id, now.timeIntervalSince1970, error])
        }
    }

    /// A channel works again: its waiting jobs are due now instead of at their back-off.
    public func expediteDeliveries(channel: String, at now: Date) throws {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE delivery SET nextAttemptAt = ? WHERE channel = ? AND state = \(DeliveryState.pending.sql) AND nextAttemptAt > ?
                """, arguments: [now.timeIntervalSince1970, channel, now.timeIntervalSince1970])
        }
    }

    /// Notes what became of a delivered notification (a popup closed, and why) on its
    /// delivery's record of attempts. Returns the inbox item, if the receipt is known.
    @discardableResult
    public func recordAftermath(channel: String, receipt: String, at now: Date, detail: String) throws -> Int64? {
        try writer.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT id, inboxItemId FROM delivery WHERE channel = ? AND receipt = ? ORDER BY sentAt DESC LIMIT 1
                """, arguments: [channel, receipt]) else { return nil }
            try db.execute(sql: "INSERT INTO deliveryAttempt (deliveryId, at, ok, detail) VALUES (?, ?, 1, ?)",
                           arguments: [row["id"] as Int64, now.timeIntervalSince1970, detail])
            return row["inboxItemId"]
        }
    }

    /// Every delivery of these items, by item.
    public func deliveries(inboxItemIDs: [Int64]) throws -> [Int64: [DeliveryStatus]] {
        guard !inboxItemIDs.isEmpty else { return [:] }
        return try writer.read { db in
            let records = try DeliveryRecord.filter(inboxItemIDs.contains(Column("inboxItemId"))).order(Column("id")).fetchAll(db)
            return Dictionary(grouping: records, by: \.inboxItemId).mapValues { $0.map(\.status) }
        }
    }

    /// The inbox item a channel's receipt belongs to (a desktop notification id).
    public func inboxItemID(channel: String, receipt: String) throws -> Int64? {
        try writer.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT inboxItemId FROM delivery WHERE channel = ? AND receipt = ? ORDER BY sentAt DESC LIMIT 1
                """, arguments: [channel, receipt])
        }
    }

    /// Unread items for the daily digest, oldest first.
    public func unreadItems() throws -> [InboxItem] {
        try writer.read { db in
            try InboxItemRecord.filter(Column("state") == InboxState.unread).order(Column("firedAt")).fetchAll(db).map(\.model)
        }
    }

    /// Records that the digest delivered these items on `channel`: their pending jobs are
    /// sent, and an item with no job on that channel (digest mode sends no per-item
    /// mail) gets one, sent in the digest, for its current firing.
    public func markDigested(channel: String, inboxItemIDs: [Int64], at now: Date, receipt: String) throws {
        guard !inboxItemIDs.isEmpty else { return }
        let ids = inboxItemIDs.json
        try writer.write { db in
            try db.execute(sql: """
                UPDATE delivery SET state = \(DeliveryState.sent.sql), sentAt = ?, receipt = ?, digest = 1
                WHERE channel = ? AND state = \(DeliveryState.pending.sql) AND inboxItemId IN (SELECT value FROM json_each(?))
                """, arguments: [now.timeIntervalSince1970, receipt, channel, ids])
            // The current firing: the latest snooze comeback that fired, else the item's own.
            try db.execute(sql: """
                INSERT OR IGNORE INTO delivery (inboxItemId, reminderId, channel, state, attempts, nextAttemptAt, sentAt, receipt, digest)
                SELECT i.id,
                       COALESCE((SELECT r.id FROM reminder r WHERE r.resurfacesInboxId = i.id AND r.state = \(ReminderState.fired.sql)
                                 ORDER BY r.firedAt DESC, r.id DESC LIMIT 1), i.reminderId),
                       ?, \(DeliveryState.sent.sql), 0, ?, ?, ?, 1
                FROM inboxItem i WHERE i.id IN (SELECT value FROM json_each(?))
                """, arguments: [channel, now.timeIntervalSince1970, now.timeIntervalSince1970, receipt, ids])
        }
    }

    /// This store's random Message-ID namespace: 16 hex digits made when the store was
    /// created (or migrated to v6) and renewed by a restore.
    public func messageNamespace() throws -> String {
        try writer.read { db in try Self.messageNamespace(db) }
    }

    static func messageNamespace(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT value FROM bookkeeping WHERE key = 'messageNamespace'") ?? ""
    }

    /// SQL for a fresh namespace: 64 random bits as 16 lowercase hex digits.
    static let newNamespaceSQL = "lower(hex(randomblob(8)))"

    static func renewMessageNamespace(_ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO bookkeeping (key, value) VALUES ('messageNamespace', \(newNamespaceSQL))")
    }
}

extension AppDatabase {
    /// When the last daily digest went out, if ever.
    public func lastDigestSent() throws -> Date? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM bookkeeping WHERE key = 'lastDigestAt'")
                .flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Remembers that a digest went out (so a restart does not send it again).
    public func recordDigestSent(at date: Date) throws {
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO bookkeeping (key, value) VALUES ('lastDigestAt', ?)",
                           arguments: [String(date.timeIntervalSince1970)])
        }
    }
}
