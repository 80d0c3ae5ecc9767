import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import RelanceCore
import RelanceStore

/// Relance's rows in PostgreSQL, shared by several daemons (team mode, issue #16).
///
/// The same contract as `AppDatabase` behind `FiringStore`, kept by the engine rather
/// than by one process: a due reminder is claimed with `FOR UPDATE SKIP LOCKED` in the
/// transaction that also inserts its inbox item and outbox jobs, so two nodes never fire
/// the same row, and a node that dies mid-firing leaves nothing half-done (its
/// transaction rolls back; the row is still pending for the others). Nodes learn of
/// each other's changes through `LISTEN/NOTIFY` (a statement trigger, `TeamSchema`),
/// never by polling.
///
/// Calls block their thread on the database's answer, as `AppDatabase`'s do: call them
/// from the scheduler's queue or a blocking pool, never from an event loop.
public final class TeamStore: FiringStore, @unchecked Sendable {  // mutable state behind `lock` / boxes
    public let settings: TeamStoreSettings
    let logger: Logger
    private let connector: Connector

    /// The connections this node reads and writes through, one per call at a time.
    private let pool: ConnectionPool
    let listener: NotificationListener
    /// The session holding this node's name in the team (`holdNodeName`).
    let nodeName: NodeNameHolder
    /// The team user whose screen this node's desktop is (`registerScreen`), if any.
    let screenUser = NIOLockedValueBox<String?>(nil)

    /// The store, not yet connected: nothing is read or written until `migrate()` (or the
    /// first call), so a daemon can wire what acts on the store before touching the
    /// database. `open` does both.
    public init(settings: TeamStoreSettings, logger: Logger,
                eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) throws {
        self.settings = settings
        self.logger = logger
        let connector = try Connector(settings: settings, eventLoop: eventLoop, logger: logger)
        self.connector = connector
        pool = ConnectionPool(size: settings.poolSize) {
            let opened = try connector.open().wait()
            do {
                return (opened, try opened.query("SELECT pg_backend_pid()", logger: logger).wait().first!.decode(Int32.self))
            } catch {
                try? opened.close().wait()
                throw error
            }
        }
        // Each holds what it needs, not the store (which holds them).
        listener = NotificationListener(eventLoop: eventLoop, logger: logger, connect: { [connector] in connector.open() },
                                        isOwn: { [pool] in pool.isOwn(backendPID: $0) })
        nodeName = NodeNameHolder(node: settings.node, eventLoop: eventLoop, logger: logger) { connector.open() }
    }

    /// Connects, migrates the schema if this node is the first, and returns the store.
    /// Throws `TeamStoreError.unavailable` when the database cannot be reached.
    public static func open(_ settings: TeamStoreSettings, logger: Logger,
                            eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.any()) throws -> TeamStore {
        let store = try TeamStore(settings: settings, logger: logger, eventLoop: eventLoop)
        try store.migrate()
        return store
    }

    /// Closes the connections (waiting for the calls in flight); a later call opens new ones.
    public func close() {
        listener.stop()
        nodeName.stop()
        pool.close()
    }

    // MARK: The schema

    /// The names of the migrations applied, oldest first.
    public func appliedMigrations() throws -> [String] {
        try withConnection { connection in
            try connection.query("SELECT name FROM relance_migration ORDER BY applied_at, name", logger: logger).wait()
                .map { try $0.decode(String.self) }
        }
    }

    /// Connects and migrates the schema if this node is the first (under an advisory
    /// lock). Throws `TeamStoreError.unavailable` when the database cannot be reached.
    public func migrate() throws {
        try transaction { connection in
            try run(connection, "SELECT pg_advisory_xact_lock(\(TeamSchema.migrationLock))")
            try run(connection, """
                CREATE TABLE IF NOT EXISTS relance_migration (
                    name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())
                """)
            let applied = Set(try connection.query("SELECT name FROM relance_migration", logger: logger).wait()
                .map { try $0.decode(String.self) })
            for migration in TeamSchema.migrations where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try run(connection, PostgresQuery(unsafeSQL: statement))
                }
                try run(connection, "INSERT INTO relance_migration (name) VALUES (\(migration.name))")
                logger.notice("team database: applied migration \(migration.name)")
            }
        }
    }

    // MARK: Reminders

    /// Adds a reminder the user set for an explicit time: it fires at that time, on
    /// whichever node claims it first. With `contact` (an id or a name, as `ContactLookup`
    /// reads it), it is tied to that team contact, looked up in the same transaction.
    /// `owner` is the team user who set it (its mail goes to their address only); nil:
    /// set by no team user (the daemon's own uid), delivered team-wide as before.
    /// The reason of a reminder set for an explicit time, as on the personal store.
    static let setByYou = "set by you"

    public func addReminder(text: String, dueAt: Date, contact query: String? = nil,
                            owner: String? = nil) throws -> (Reminder, ScheduleChanges) {
        let text = try ReminderBatch.text(text)
        let reason = Self.setByYou
        let (id, contactID) = try transaction { connection in
            let contactID = try query.map { try resolveContact(connection, $0).contact.id }
            let id = try connection.query("""
                INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, owner)
                VALUES (\(ReminderKind.custom.rawValue), \(text), \(dueAt), \(dueAt), \(reason), \(settings.node), \(contactID), \(owner))
                RETURNING id
                """, logger: logger).wait().first!.decode(Int64.self)
            return (id, contactID)
        }
        let changes = ScheduleChanges(scheduled: [ScheduledReminder(id: id, due: dueAt)])
        listener.tellLocally(changes)
        return (Reminder(id: id, kind: .custom, text: text, contactID: contactID, dueAt: dueAt, fireAt: dueAt, reason: reason), changes)
    }

    public func pendingDeadlines() throws -> [ScheduledReminder] {
        try withConnection { connection in
            try connection.query("SELECT id, fire_at FROM reminder WHERE state = 'pending'", logger: logger).wait()
                .map { row in
                    let (id, due) = try row.decode((Int64, Date).self)
                    return ScheduledReminder(id: id, due: due)
                }
        }
    }

    /// Cancels a pending reminder: no node fires it. A snooze's comeback is refused, as
    /// in the personal store: done or dismiss its item instead.
    public func cancelReminder(id: Int64) throws -> Reminder {
        let reminder = try changePending(id: id, """
            UPDATE reminder SET state = 'cancelled' WHERE id = \(id) AND state = 'pending' AND resurfaces_inbox_id IS NULL
            RETURNING \(unescaped: Self.reminderColumns)
            """)
        listener.tellLocally(ScheduleChanges(cancelled: [id]))
        return reminder
    }

    /// Moves a pending reminder to `at`: every node re-arms for it. Its reason says
    /// from when (in `zone`), as `Corrections.moved` says on the personal store; a snooze's
    /// comeback moves its item's `snoozed_until` with it (as the personal store does).
    public func moveReminder(id: Int64, to at: Date, zone: TimeZone, now: Date) throws -> Reminder {
        guard at > now else { throw ValidationError(field: "at", reason: "must be in the future") }
        let reminder = try transaction { connection in
            guard let row = try connection.query("SELECT state, fire_at FROM reminder WHERE id = \(id) FOR UPDATE",
                                                 logger: logger).wait().first
            else { throw StoreError.reminderNotFound(id: id) }
            let (state, previous) = try row.decode((String, Date).self)
            guard state == ReminderState.pending.rawValue else { throw StoreError.reminderNotPending(id: id, state: state) }
            let planned = Corrections.moved(to: at, from: previous, zone: zone)
            let moved = try Self.reminder(try connection.query("""
                UPDATE reminder SET due_at = \(planned.dueAt), fire_at = \(planned.fireAt), reason = \(planned.reason),
                    moved_at = \(now)
                WHERE id = \(id) RETURNING \(unescaped: Self.reminderColumns)
                """, logger: logger).wait().first!)
            try run(connection, """
                UPDATE inbox_item SET snoozed_until = \(at)
                FROM reminder WHERE reminder.id = \(id) AND inbox_item.id = reminder.resurfaces_inbox_id
                """)
            return moved
        }
        listener.tellLocally(ScheduleChanges(scheduled: [ScheduledReminder(id: id, due: at)]))
        return reminder
    }

    /// Runs an UPDATE of one pending reminder; not found and not pending are told apart.
    private func changePending(id: Int64, _ update: PostgresQuery) throws -> Reminder {
        try withConnection { connection in
            if let row = try connection.query(update, logger: logger).wait().first { return try Self.reminder(row) }
            guard let row = try connection.query("SELECT state, resurfaces_inbox_id FROM reminder WHERE id = \(id)",
                                                 logger: logger).wait().first
            else { throw StoreError.reminderNotFound(id: id) }
            let (state, inboxID) = try row.decode((String, Int64?).self)
            if state == ReminderState.pending.rawValue, let inboxID {
                throw StoreError.bringsBackSnoozedItem(reminderID: id, inboxID: inboxID)
            }
            throw StoreError.reminderNotPending(id: id, state: state)
        }
    }

    static let reminderColumns = "id, kind, text, due_at, fire_at, reason, state, contact_id, outreach_id"

    static func reminder(_ row: PostgresRow) throws -> Reminder {
        let (id, kind, text, dueAt, fireAt, reason, state, contactID, outreachID) =
            try row.decode((Int64, String, String, Date, Date, String, String, Int64?, Int64?).self)
        return Reminder(id: id, kind: ReminderKind(rawValue: kind) ?? .custom, text: text, contactID: contactID,
                        outreachID: outreachID, dueAt: dueAt, fireAt: fireAt, reason: reason,
                        state: ReminderState(rawValue: state) ?? .pending)
    }

    /// Pending reminders in firing order.
    public func upcoming(limit: Int, before: Date? = nil) throws -> [Reminder] {
        try withConnection { connection in
            try connection.query("""
                SELECT \(unescaped: Self.reminderColumns) FROM reminder
                WHERE state = 'pending' AND (\(before)::timestamptz IS NULL OR fire_at < \(before))
                ORDER BY fire_at, id LIMIT \(limit)
                """, logger: logger).wait().map(Self.reminder)
        }
    }

    public func observeReminders(_ sink: @escaping @Sendable (ScheduleChanges) -> Void) {
        listener.add(sink)
    }

    // MARK: The inbox

    /// Inbox items, newest first (as the personal store's): `open` (unread and read),
    /// `unread`, or `all`, fired since `since` when given. With a `viewer` (a team user),
    /// only theirs and the team's (items with no owner); nil: everyone's.
    public func inbox(_ filter: InboxFilter = .open, limit: Int = 1000, since: Date? = nil,
                      viewer: String? = nil) throws -> [InboxItem] {
        let states: [String] = switch filter {
        case .open: [InboxState.unread.rawValue, InboxState.read.rawValue]
        case .unread: [InboxState.unread.rawValue]
        case .all: InboxState.allCases.map(\.rawValue)
        }
        return try withConnection { connection in
            try connection.query("""
                SELECT \(unescaped: Self.inboxColumns) FROM inbox_item JOIN reminder owned ON owned.id = inbox_item.reminder_id
                WHERE inbox_item.state = ANY(\(states))
                  AND (\(since)::timestamptz IS NULL OR inbox_item.fired_at >= \(since))
                  AND (\(viewer)::text IS NULL OR owned.owner IS NULL OR owned.owner = \(viewer))
                ORDER BY inbox_item.fired_at DESC, inbox_item.id DESC LIMIT \(limit)
                """, logger: logger).wait().map(Self.inboxItem)
        }
    }

    /// The items with these ids, oldest first.
    public func inboxItems(ids: [Int64]) throws -> [InboxItem] {
        try withConnection { connection in
            try connection.query("SELECT \(unescaped: Self.inboxColumns) FROM inbox_item WHERE id = ANY(\(ids)) ORDER BY id",
                                 logger: logger).wait().map(Self.inboxItem)
        }
    }

    /// Calls `sink` with the ids of inbox items other nodes fired (on an event loop: hand
    /// them off before calling the store). Call after `observeReminders`, which starts
    /// the listener.
    public func observeOtherNodesInbox(_ sink: @escaping @Sendable ([Int64]) -> Void) {
        listener.addInboxSink(sink)
    }

    /// Marks unread items read (others are left as they are); the items, as they are now.
    /// `user` (a team user; nil: anyone) may mark only their own and the team's items:
    /// one of another user's is refused, and nothing is marked.
    public func markRead(ids: [Int64], by user: String? = nil) throws -> [InboxItem] {
        try transaction { connection in
            try checkOwner(connection, of: ids, user: user, doing: "mark it read")
            try run(connection, "UPDATE inbox_item SET state = 'read' WHERE id = ANY(\(ids)) AND state = 'unread'")
            let items = try connection.query("SELECT \(unescaped: Self.inboxColumns) FROM inbox_item WHERE id = ANY(\(ids)) ORDER BY id",
                                             logger: logger).wait().map(Self.inboxItem)
            if let missing = ids.first(where: { id in !items.contains { $0.id == id } }) {
                throw StoreError.inboxItemNotFound(id: missing)
            }
            return items
        }
    }

    /// Closes an item (`done` or `dismissed`), for every node; its jobs still waiting to
    /// go out are cancelled with it (one being sent finds its job no longer pending), and
    /// so is a pending snooze's comeback (no node brings it back). Another user's item is
    /// refused (`markRead`), changing nothing.
    public func close(inboxID: Int64, as state: InboxState, by user: String? = nil) throws -> InboxItem {
        precondition(state == .done || state == .dismissed)
        let (item, cancelled) = try transaction { connection in
            try checkOwner(connection, of: [inboxID], user: user, doing: state == .done ? "mark it done" : "dismiss it")
            // The comeback's row first, as a firing locks it before the item (no deadlock;
            // a comeback being fired finishes first, and is then not pending).
            let cancelled = try cancelResurfacing(connection, inboxID: inboxID)
            guard let row = try connection.query("""
                UPDATE inbox_item SET state = \(state.rawValue), snoozed_until = NULL WHERE id = \(inboxID)
                RETURNING \(unescaped: Self.inboxColumns)
                """, logger: logger).wait().first else { throw StoreError.inboxItemNotFound(id: inboxID) }
            try run(connection, "UPDATE outbox SET state = 'cancelled' WHERE inbox_item_id = \(inboxID) AND state = 'pending'")
            return (try Self.inboxItem(row), cancelled)
        }
        if !cancelled.isEmpty { listener.tellLocally(ScheduleChanges(cancelled: cancelled)) }
        return item
    }

    /// Unread inbox items: `viewer`'s and the team's (`inbox`); nil: everyone's.
    public func unreadCount(viewer: String? = nil) throws -> Int {
        try withConnection { connection in
            Int(try connection.query("""
                SELECT count(*) FROM inbox_item i JOIN reminder r ON r.id = i.reminder_id
                WHERE i.state = 'unread' AND (\(viewer)::text IS NULL OR r.owner IS NULL OR r.owner = \(viewer))
                """, logger: logger).wait().first!.decode(Int64.self))
        }
    }

    /// Refuses, in the caller's transaction, when one of these items is another team
    /// user's than `user` (nil: anyone may): each person deals with their own reminders.
    /// An item's owner is its reminder's, set when it was made and never changed, so
    /// reading it takes no lock.
    func checkOwner(_ connection: PostgresConnection, of ids: [Int64], user: String?, doing action: String) throws {
        guard let user else { return }
        let others = try connection.query("""
            SELECT i.id, r.owner FROM inbox_item i JOIN reminder r ON r.id = i.reminder_id
            WHERE i.id = ANY(\(ids)) AND r.owner IS NOT NULL AND r.owner <> \(user) ORDER BY i.id LIMIT 1
            """, logger: logger).wait()
        if let row = others.first {
            let (id, owner) = try row.decode((Int64, String).self)
            throw StoreError.invalidState(what: "inbox", reason: "#\(id) is \(owner)'s: only \(owner) can \(action); yours are in `relancectl inbox`")
        }
    }

    /// Where the database is, for `Status` (never the password).
    public var location: String {
        let place = switch settings.endpoint {
        case .tcp(let host, let port): "\(host):\(port)"
        case .unixSocket(let path): path
        }
        return "postgresql://\(settings.user)@\(place)/\(settings.database) (team node \(settings.node))"
    }

    static let inboxColumns = inboxColumns(of: "inbox_item")

    /// An item's columns, read from `table` (inbox_item, or rows just inserted into it);
    /// its contact and outreach are its reminder's, as on the personal store.
    static func inboxColumns(of table: String) -> String {
        let reminder = "FROM reminder r WHERE r.id = \(table).reminder_id"
        return "\(table).id, \(table).reminder_id, \(table).kind, \(table).text, \(table).due_at, \(table).fired_at, "
            + "\(table).late, \(table).state, (SELECT r.contact_id \(reminder)), (SELECT r.outreach_id \(reminder)), "
            + "\(table).snoozed_until, (SELECT r.owner \(reminder))"
    }

    static func inboxItem(_ row: PostgresRow) throws -> InboxItem { try inboxItem(row, from: 0) }

    /// The item in `row`, its columns (`inboxColumns`) from column `first` on.
    static func inboxItem(_ row: PostgresRow, from first: Int) throws -> InboxItem {
        let columns = row.makeRandomAccess()
        func column<T: PostgresDecodable>(_ index: Int, _ type: T.Type) throws -> T {
            try columns[first + index].decode(type)
        }
        let (id, reminderID, kind, text) =
            (try column(0, Int64.self), try column(1, Int64.self), try column(2, String.self), try column(3, String.self))
        let (dueAt, firedAt, late, state) =
            (try column(4, Date.self), try column(5, Date.self), try column(6, Bool.self), try column(7, String.self))
        let (contactID, outreachID, snoozedUntil) = (try column(8, Int64?.self), try column(9, Int64?.self), try column(10, Date?.self))
        let owner = try column(11, String?.self)
        return InboxItem(id: id, reminderID: reminderID, kind: ReminderKind(rawValue: kind) ?? .custom, text: text,
                         contactID: contactID, outreachID: outreachID, dueAt: dueAt, firedAt: firedAt, late: late,
                         state: InboxState(rawValue: state) ?? .unread, snoozedUntil: snoozedUntil, owner: owner)
    }

    // MARK: Connections

    /// Whether `pid` is the server process of one of this node's connections.
    func isOwnBackend(_ pid: Int32) -> Bool { pool.isOwn(backendPID: pid) }

    /// Runs `body` on a connection of this node's own for the call (`ConnectionPool`),
    /// opened first if none is idle. A failure of the connection itself becomes
    /// `TeamStoreError.unavailable`.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        var opened = false
        do {
            return try pool.withConnection { connection in
                opened = true
                do {
                    return try body(connection)
                } catch where connection.isClosed {
                    throw TeamStoreError.unavailable(Self.describe(error))
                }
            }
        } catch let error as TeamStoreError {
            throw error
        } catch where !opened {
            throw TeamStoreError.unavailable(Self.describe(error))
        }
    }

    /// One transaction: committed if `body` returns, rolled back if it throws. A
    /// connection lost before COMMIT's answer leaves the outcome to the engine (the
    /// caller hears "unavailable" and must not report the write as done).
    func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try run(connection, "BEGIN")
            do {
                let result = try body(connection)
                try run(connection, "COMMIT")
                return result
            } catch {
                _ = try? connection.query("ROLLBACK", logger: logger).wait()
                throw error
            }
        }
    }

    func run(_ connection: PostgresConnection, _ query: PostgresQuery) throws {
        _ = try connection.query(query, logger: logger).wait()
    }

    /// What went wrong, in the server's words when it said something (PSQLError's own
    /// description hides everything by design).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

/// Opens connections to the team database: what the store's connection and the
/// listener's both need, and nothing else.
struct Connector: Sendable {
    let settings: TeamStoreSettings
    let eventLoop: any EventLoop
    let logger: Logger
    private let tlsContext: NIOSSLContext?
    private let ids = NIOLockedValueBox(0)

    init(settings: TeamStoreSettings, eventLoop: any EventLoop, logger: Logger) throws {
        self.settings = settings
        self.eventLoop = eventLoop
        self.logger = logger
        switch settings.tls {
        case .disable: tlsContext = nil
        case .require, .verifyFull: tlsContext = try NIOSSLContext(configuration: .makeClientConfiguration())
        }
    }

    func open() -> EventLoopFuture<PostgresConnection> {
        let id = ids.withLockedValue { $0 += 1; return $0 }
        return PostgresConnection.connect(on: eventLoop, configuration: configuration(), id: id, logger: logger)
    }

    private func configuration() -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch settings.endpoint {
        case .unixSocket(let path):
            configuration = .init(unixSocketPath: path, username: settings.user, password: settings.password,
                                  database: settings.database)
        case .tcp(let host, let port):
            configuration = .init(host: host, port: port, username: settings.user, password: settings.password,
                                  database: settings.database, tls: tlsContext.map { .require($0) } ?? .disable)
        }
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
