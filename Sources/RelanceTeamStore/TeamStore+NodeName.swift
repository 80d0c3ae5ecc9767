import Foundation
import Logging
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

/// The session that holds a node's name (`TeamStore.holdNodeName`): a
/// `StandingConnection`, so a session the server dropped is taken again with back-off.
final class NodeNameHolder: Sendable {
    private let connection: StandingConnection

    init(node: String, eventLoop: any EventLoop, logger: Logger,
         connect: @escaping @Sendable () -> EventLoopFuture<PostgresConnection>) {
        connection = StandingConnection(purpose: "holds this node's name \"\(node)\"", eventLoop: eventLoop, logger: logger,
                                        open: connect,
                                        setUp: { connection in Self.lock(node, on: connection, logger: logger) },
                                        restored: { logger.notice("team database: this node holds its name \"\(node)\" again") })
    }

    /// Blocks (off the event loops) until the name is held, `patience` has run out
    /// (`nodeNameTaken`), or the database cannot be reached (`unavailable`).
    func take(patience: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(patience)
        while true {
            do {
                return try connection.connect().wait()
            } catch TeamStoreError.nodeNameTaken(let node) {
                guard Date() < deadline else { throw TeamStoreError.nodeNameTaken(node) }
                Thread.sleep(forTimeInterval: 0.2)  // a node killed a moment ago: its session is ending
            } catch {
                throw TeamStoreError.unavailable(TeamStore.describe(error))
            }
        }
    }

    func stop() {
        connection.stop()
    }

    /// The name's lock on `connection`, or `nodeNameTaken` when another session holds it.
    private static func lock(_ node: String, on connection: PostgresConnection,
                             logger: Logger) -> EventLoopFuture<Void> {
        connection.query("SELECT pg_try_advisory_lock(\(TeamStore.nodeNameLock), hashtext(\(node)))", logger: logger)
            .flatMapThrowing { rows in
                guard try rows.first?.decode(Bool.self) == true else { throw TeamStoreError.nodeNameTaken(node) }
            }
    }
}
