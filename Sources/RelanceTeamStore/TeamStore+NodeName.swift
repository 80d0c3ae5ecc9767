import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// A node's name is its own in the team (issue #16): what it claims, sends and reads is
/// recorded under it, so two running nodes must never share one. A running node holds its
/// name as a session advisory lock, on a connection of its own, for as long as it runs.
/// The server lets go of it when that session ends, so a node that was killed frees its
/// name (its backend sees the socket close) and its restart takes it back.
///
/// Holding the name is also what makes it safe to take back, at start, the deliveries
/// this node's previous run had claimed and not finished: no live process can be sending
/// them under this name, so they are due again at once rather than at the end of the lease.
extension TeamStore {
    /// The advisory lock space of node names ("rlnd"), the name's hash the key: a two-key
    /// lock, apart from the one-key locks of `TeamSchema` and the writes.
    static let nodeNameLock: Int32 = 0x726C_6E64

    /// Takes this node's name for as long as the store is open, waiting up to `patience`
    /// for a node killed a moment ago to let go of it. Throws `TeamStoreError.nodeNameTaken`
    /// when another running node holds it, `.unavailable` when the database cannot be reached.
    public func holdNodeName(patience: TimeInterval = 15) throws {
        try nodeName.take(patience: patience)
    }

    /// Makes the delivery jobs and digests this node's previous run had claimed and not
    /// finished (it stopped mid-send) due again now, in one transaction; returns how many.
    /// Only once `holdNodeName` has succeeded: then no other process holds them.
    public func takeBackOwnClaims(now: Date) throws -> Int {
        try transaction { connection in
            let jobs = try connection.query("""
                UPDATE outbox SET claimed_by = NULL, next_attempt_at = \(now)
                WHERE claimed_by = \(settings.node) AND state = 'pending' RETURNING id
                """, logger: logger).wait().count
            let digests = try connection.query("""
                UPDATE digest SET claimed_by = NULL, next_attempt_at = \(now)
                WHERE claimed_by = \(settings.node) AND state = 'pending' RETURNING day
                """, logger: logger).wait().count
            return jobs + digests
        }
    }
}

/// The session that holds a node's name (`TeamStore.holdNodeName`). Lost (the database
/// restarted), it is taken again with back-off (1 s doubling to 30 s), as the listener is.
final class NodeNameHolder: @unchecked Sendable {  // state is in `state`
    private struct State {
        var connection: PostgresConnection?
        var stopped = false
        var retryDelay: TimeAmount = .seconds(1)
    }

    private let state = NIOLockedValueBox(State())
    private let node: String
    private let connect: @Sendable () -> EventLoopFuture<PostgresConnection>
    private let eventLoop: any EventLoop
    private let logger: Logger

    init(node: String, eventLoop: any EventLoop, logger: Logger,
         connect: @escaping @Sendable () -> EventLoopFuture<PostgresConnection>) {
        self.node = node; self.eventLoop = eventLoop; self.logger = logger; self.connect = connect
    }

    /// Blocks (off the event loops) until the name is held, `patience` has run out, or
    /// the database cannot be reached.
    func take(patience: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(patience)
        while true {
            let held: Bool
            do {
                held = try attempt().wait()
            } catch {
                throw TeamStoreError.unavailable(TeamStore.describe(error))
            }
            if held { return }
            guard Date() < deadline else { throw TeamStoreError.nodeNameTaken(node) }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    func stop() {
        let connection = state.withLockedValue { state in
            state.stopped = true
            return state.connection
        }
        _ = try? connection?.close().wait()
    }

    /// One try on a new connection: true when it holds the name now (and is kept), false
    /// when another session holds it (and is closed).
    private func attempt() -> EventLoopFuture<Bool> {
        connect().flatMap { connection in
            connection.query("SELECT pg_try_advisory_lock(\(TeamStore.nodeNameLock), hashtext(\(self.node)))", logger: self.logger)
                .flatMapThrowing { rows in try rows.first?.decode(Bool.self) ?? false }
                .flatMap { held in
                    guard held else { return connection.close().map { false } }
                    self.keep(connection)
                    return connection.eventLoop.makeSucceededFuture(true)
                }
                .flatMapError { error in connection.close().flatMapThrowing { throw error } }
        }
    }

    private func keep(_ connection: PostgresConnection) {
        let stopped = state.withLockedValue { state in
            state.connection = connection
            state.retryDelay = .seconds(1)
            return state.stopped
        }
        if stopped { _ = connection.close() as EventLoopFuture<Void> }
        connection.closeFuture.whenComplete { [weak self] _ in self?.lost() }
    }

    private func lost() {
        let stopped = state.withLockedValue { state in
            state.connection = nil
            return state.stopped
        }
        guard !stopped else { return }
        logger.warning("team database: lost the session that holds this node's name \"\(node)\"; taking it again")
        retry()
    }

    private func retry() {
        let delay = state.withLockedValue { state in
            defer { state.retryDelay = min(state.retryDelay * 2, .seconds(30)) }
            return state.retryDelay
        }
        eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self, !state.withLockedValue({ $0.stopped }) else { return }
            attempt().whenComplete { result in
                switch result {
                case .success(true):
                    self.logger.notice("team database: this node holds its name \"\(self.node)\" again")
                case .success(false):
                    self.logger.error("""
                        team database: another node now runs as "\(self.node)" (it took the name while this one's \
                        session was gone): two nodes share a name; give each its own [store] node
                        """)
                    self.retry()
                case .failure(let error):
                    self.logger.warning("team database: still unreachable (\(TeamStore.describe(error))); retrying")
                    self.retry()
                }
            }
        }
    }
}
