import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import RelanceStore

/// The team store's reminder feed: a connection of its own `LISTEN`ing on
/// `relance_reminders`, turning each notification into `ScheduleChanges` for the
/// subscribers, plus this node's own writes told locally (before their call returns, as
/// SQLite's feed does).
///
/// Lost connection: a `StandingConnection`, opened again with back-off and listening
/// again; then the subscribers are told to re-read the pending set, since whatever was
/// announced while nobody listened is gone. No polling in between: a node whose listener
/// is down still fires what it knows, and the rows decide.
final class NotificationListener: @unchecked Sendable {  // state is in `state`
    private struct State {
        var sinks: [@Sendable (ScheduleChanges) -> Void] = []
        /// Told the ids of inbox items other nodes fired.
        var inboxSinks: [@Sendable ([Int64]) -> Void] = []
        var holidaySinks: [@Sendable () -> Void] = []
        var started = false
    }

    private let state = NIOLockedValueBox(State())
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let connect: @Sendable () -> EventLoopFuture<PostgresConnection>
    /// Whether a notification came from one of this node's own connections.
    private let isOwn: @Sendable (Int32) -> Bool
    /// Made by the first subscriber (`add`), or `stop`.
    private lazy var connection = StandingConnection(
        purpose: "listens for other nodes' changes", eventLoop: eventLoop, logger: logger,
        open: connect,
        setUp: { [weak self] connection in
            self?.listen(on: connection) ?? connection.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
        },
        restored: { [weak self] in
            guard let self else { return }
            logger.notice("team database: listening again; re-reading the pending reminders")
            tellLocally(ScheduleChanges(resync: true))
            tellHolidays()  // a change may have come while nobody listened
        })

    init(eventLoop: any EventLoop, logger: Logger, connect: @escaping @Sendable () -> EventLoopFuture<PostgresConnection>,
         isOwn: @escaping @Sendable (Int32) -> Bool) {
        self.eventLoop = eventLoop
        self.logger = logger
        self.connect = connect
        self.isOwn = isOwn
    }

    /// Subscribes `sink`; the first subscriber starts listening (and waits for the LISTEN,
    /// so nothing committed after this returns is missed while the database is up).
    func add(_ sink: @escaping @Sendable (ScheduleChanges) -> Void) {
        let first = state.withLockedValue { state in
            state.sinks.append(sink)
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        do {
            try connection.connect().wait()
        } catch {
            logger.warning("team database: not listening for other nodes' changes yet: \(TeamStore.describe(error))")
            connection.retry()
        }
    }

    /// Subscribes `sink` to the ids of inbox items other nodes insert (on the event loop:
    /// hand them off). Only once the listener runs (after `add`).
    func addInboxSink(_ sink: @escaping @Sendable ([Int64]) -> Void) {
        state.withLockedValue { $0.inboxSinks.append(sink) }
    }

    /// Subscribes `sink` to changes of the team's days off that other nodes made (on the
    /// event loop: hand them off). Only once the listener runs (after `add`).
    func addHolidaySink(_ sink: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.holidaySinks.append(sink) }
    }

    /// This node's own committed changes (its notifications are skipped when they come).
    func tellLocally(_ changes: ScheduleChanges) {
        for sink in state.withLockedValue({ $0.sinks }) { sink(changes) }
    }

    func stop() {
        connection.stop()
    }

    /// Sets a new connection up: the handlers, then `LISTEN` on each channel.
    private func listen(on connection: PostgresConnection) -> EventLoopFuture<Void> {
        connection.addListener(channel: TeamSchema.reminderChannel) { [weak self] _, notification in
            self?.received(notification)
        }
        connection.addListener(channel: TeamSchema.inboxChannel) { [weak self] _, notification in
            self?.receivedInbox(notification)
        }
        connection.addListener(channel: TeamSchema.holidayChannel) { [weak self] _, notification in
            self?.receivedHolidays(notification)
        }
        return connection.query("LISTEN \(unescaped: TeamSchema.reminderChannel)", logger: logger).flatMap { _ in
            connection.query("LISTEN \(unescaped: TeamSchema.inboxChannel)", logger: self.logger)
        }.flatMap { _ in
            connection.query("LISTEN \(unescaped: TeamSchema.holidayChannel)", logger: self.logger)
        }.map { _ in }
    }

    private func received(_ notification: PostgresMessage.NotificationResponse) {
        if isOwn(notification.backendPID) { return }
        guard let changes = Self.changes(from: notification.payload) else {
            logger.warning("team database: unreadable notification on \(TeamSchema.reminderChannel): \(notification.payload.prefix(200))")
            return tellLocally(ScheduleChanges(resync: true))
        }
        tellLocally(changes)
    }

    private func receivedInbox(_ notification: PostgresMessage.NotificationResponse) {
        if isOwn(notification.backendPID) { return }
        guard let ids = try? JSONDecoder().decode([Int64].self, from: Data(notification.payload.utf8)) else {
            return logger.warning("team database: unreadable notification on \(TeamSchema.inboxChannel): \(notification.payload.prefix(200))")
        }
        for sink in state.withLockedValue({ $0.inboxSinks }) { sink(ids) }
    }

    private func receivedHolidays(_ notification: PostgresMessage.NotificationResponse) {
        if isOwn(notification.backendPID) { return }
        tellHolidays()
    }

    private func tellHolidays() {
        for sink in state.withLockedValue({ $0.holidaySinks }) { sink() }
    }

    /// `{"scheduled": [[id, epochSeconds], …], "cancelled": [id, …]}` or `{"resync": true}`
    /// (`TeamSchema`'s trigger).
    static func changes(from payload: String) -> ScheduleChanges? {
        struct Payload: Decodable {
            var scheduled: [[Double]]?
            var cancelled: [Int64]?
            var resync: Bool?
        }
        guard let decoded = try? JSONDecoder().decode(Payload.self, from: Data(payload.utf8)) else { return nil }
        if decoded.resync == true { return ScheduleChanges(resync: true) }
        var changes = ScheduleChanges(cancelled: decoded.cancelled ?? [])
        for pair in decoded.scheduled ?? [] {
            guard pair.count == 2 else { return nil }
            changes.scheduled.append(ScheduledReminder(id: Int64(pair[0]), due: Date(timeIntervalSince1970: pair[1])))
        }
        return changes
    }
}
