import Foundation
import GRDB
import RelanceCore

/// Publishes, after every commit and in commit order, what the transaction did to the
/// pending reminders: the one write path to the scheduler. No caller has to remember to
/// tell it, and two concurrent writes can never reach it in the opposite order of their
/// commits (the callback runs on the writer's serial queue, right after the commit).
///
/// A GRDB transaction observer: it notes the ids of the `reminder` rows a transaction
/// inserted, deleted, or whose `state`/`fireAt` it updated, then reads them back once the
/// commit is on disk.
final class ReminderFeed: TransactionObserver, @unchecked Sendable {  // touched on the writer queue only
    private var touched: Set<Int64> = []
    private var deleted: Set<Int64> = []
    private let sink: @Sendable (ScheduleChanges) -> Void

    /// Past this many rows in one transaction, the subscriber re-reads the whole pending
    /// set instead (a restore, a huge import): cheaper than a million look-ups.
    static let resyncThreshold = 50_000

    init(sink: @escaping @Sendable (ScheduleChanges) -> Void) { self.sink = sink }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        switch eventKind {
        case .insert(let table), .delete(let table): table == "reminder"
        case .update(let table, let columns): table == "reminder" && columns.contains { ["state", "fireat"].contains($0.lowercased()) }
        }
    }

    func databaseDidChange(with event: DatabaseEvent) {
        if event.kind == .delete {
            deleted.insert(event.rowID)
            touched.remove(event.rowID)
        } else {
            touched.insert(event.rowID)
        }
    }

    func databaseDidCommit(_ db: Database) {
        defer { touched = []; deleted = [] }
        guard !touched.isEmpty || !deleted.isEmpty else { return }
        if touched.count + deleted.count > Self.resyncThreshold { return sink(ScheduleChanges(resync: true)) }
        var changes = ScheduleChanges(cancelled: Array(deleted))
        var stillPending: Set<Int64> = []
        if touched.count == 1, let id = touched.first {
            // One id (a `Remind`, the common case): its fireAt alone, sparing the JSON
            // text, json_each and the row copies (issue #15).
            if let fireAt = try? Double.fetchOne(db.cachedStatement(sql: """
                SELECT fireAt FROM reminder WHERE state = \(ReminderState.pending.sql) AND id = ?
                """), arguments: [id]) {
                stillPending.insert(id)
                changes.scheduled.append(ScheduledReminder(id: id, due: Date(timeIntervalSince1970: fireAt)))
            }
        } else if let rows = try? Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, fireAt FROM reminder WHERE state = \(ReminderState.pending.sql) AND id IN (SELECT value FROM json_each(?))
            """), arguments: [touched.json]) {
            // One cached statement whatever the count (the ids travel as a JSON array).
            for row in rows {
                let id: Int64 = row[0]
                stillPending.insert(id)
                changes.scheduled.append(ScheduledReminder(id: id, due: Date(timeIntervalSince1970: row[1])))
            }
        }
        changes.cancelled += touched.subtracting(stillPending)
        sink(changes)
    }

    func databaseDidRollback(_ db: Database) {
        touched = []
        deleted = []
    }
}

extension AppDatabase {
    /// Calls `sink` after every committed transaction that changed pending reminders,
    /// in commit order, on the writer's queue (keep it short: hand the changes to your
    /// own queue). For the lifetime of the database.
    public func observeReminders(_ sink: @escaping @Sendable (ScheduleChanges) -> Void) {
        writer.add(transactionObserver: ReminderFeed(sink: sink), extent: .databaseLifetime)
    }
}
