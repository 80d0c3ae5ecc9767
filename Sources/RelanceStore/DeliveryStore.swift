import Foundation
import RelanceCore

/// What the delivery service needs from a store, whichever engine keeps the outbox: the
/// SQLite `AppDatabase` (one daemon sends everything) or PostgreSQL's `TeamStore`
/// (several nodes share the outbox, and a job is held by the node that claimed it).
public protocol DeliveryStore: Sendable {
    /// How long a claimed job stays with the node that claimed it before another node may
    /// take it, or nil when one process sends everything (nothing is claimed).
    var deliveryLease: TimeInterval? { get }

    /// The pending jobs due at `now` on these channels that this node is to send, oldest
    /// first, at most `limit`. A shared store claims them for the lease in the same
    /// statement: no other node gets them until the lease runs out.
    func claimDueDeliveries(at now: Date, channels: [String], limit: Int) throws -> [DeliveryJob]

    /// When the next pending job on these channels is due (a claimed one: when its lease
    /// runs out), if any.
    func nextDeliveryAttempt(channels: [String]) throws -> Date?

    /// Records a success; false when the job is no longer this node's to record (its item
    /// was closed meanwhile, or, in a shared store, its claim was lost and retaken).
    func recordDelivered(_ job: DeliveryJob, at now: Date, receipt: String) throws -> Bool

    /// Records a failure and when to try again (releasing the claim), if the job is still
    /// this node's.
    func recordDeliveryFailed(_ job: DeliveryJob, at now: Date, error: String, retryAt: Date) throws

    /// A channel works again: its waiting (unclaimed) jobs are due now.
    func expediteDeliveries(channel: String, at now: Date) throws

    /// The channel and receipt of each sent delivery of the item that can still be shown.
    func shownDeliveries(inboxItemID: Int64) throws -> [(channel: String, receipt: String)]
}

/// A store that can also keep the daily digest's bookkeeping (the personal store).
public protocol DigestStore: DeliveryStore {
    func lastDigestSent() throws -> Date?
    func recordDigestSent(at date: Date) throws
    func unreadItems() throws -> [InboxItem]
    func markDigested(channel: String, inboxItemIDs: [Int64], at now: Date, receipt: String) throws
    func messageNamespace() throws -> String
}

/// The personal store: one daemon sends everything, so nothing is claimed; the calls are
/// the ones the delivery service always made.
extension AppDatabase: DigestStore {
    public var deliveryLease: TimeInterval? { nil }

    public func claimDueDeliveries(at now: Date, channels: [String], limit: Int) throws -> [DeliveryJob] {
        try dueDeliveries(at: now, limit: limit)
    }

    public func nextDeliveryAttempt(channels: [String]) throws -> Date? { try nextDeliveryAttempt() }

    public func recordDelivered(_ job: DeliveryJob, at now: Date, receipt: String) throws -> Bool {
        try deliverySucceeded(id: job.id, at: now, receipt: receipt)
    }

    public func recordDeliveryFailed(_ job: DeliveryJob, at now: Date, error: String, retryAt: Date) throws {
        try deliveryFailed(id: job.id, at: now, error: error, retryAt: retryAt)
    }
}
