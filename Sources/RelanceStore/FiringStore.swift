import Foundation
import RelanceCore

/// What firing did: the inbox items, the follow-on reminders, the events whose next
/// occurrences may need materialising, and the expected reminders the rows said were
/// not due (their time moved): handed back to the scheduler's heap.
public struct Firing: Sendable {
    public var items: [InboxItem] = []
    public var changes = ScheduleChanges()
    public var eventIDs: Set<Int64> = []
    /// Reminders the caller expected to be due whose row says later, with that time.
    public var handedBack: [ScheduledReminder] = []
    public init() {}
}

/// What the scheduler needs from a store, whichever engine keeps the rows: the SQLite
/// `AppDatabase` (one daemon) or PostgreSQL's `TeamStore` (several daemons on one
/// pipeline). The contract is the same for both: the row decides (a reminder fires only
/// if it is pending and due when the firing transaction runs), firing and its inbox item
/// are one transaction, and a reminder fires exactly once, whoever else fires beside us.
public protocol FiringStore: Sendable {
    /// Every pending reminder's id and firing time, for the scheduler's heap.
    func pendingDeadlines() throws -> [ScheduledReminder]

    /// Fires every reminder pending and due at `now`, by the rows, in one transaction
    /// with its inbox item and one outbox job per channel (see `AppDatabase.fireDue`).
    func fireDue(expected: [ScheduledReminder], at now: Date, late: Bool, lateBefore: Date?,
                 rules: TimingRules, channels: [String]) throws -> Firing

    /// Calls `sink` after every committed change to pending reminders, in commit order
    /// (for a shared store: also the changes other nodes committed). Keep it short.
    func observeReminders(_ sink: @escaping @Sendable (ScheduleChanges) -> Void)
}

extension AppDatabase: FiringStore {}
