import Foundation
import NIOCore
import PostgresNIO

/// This node's connections to the team database (`[store] pool_size`): up to `size`,
/// opened when a call needs one, each serving one call at a time, so calls from several
/// clients run side by side instead of taking turns on one connection. A call waits for
/// a free connection when all are busy. A closed one (the server restarted, the network
/// was cut) is dropped when it comes back, and the next call opens another.
final class ConnectionPool: @unchecked Sendable {  // mutable state behind `condition`
    let size: Int
    private let opener: () throws -> (PostgresConnection, backendPID: Int32)
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    /// Connections open or being opened, idle or serving a call.
    private var count = 0
    /// The server processes behind this pool's connections: their notifications are the
    /// node's own writes, not news.
    private var backendPIDs: [ObjectIdentifier: Int32] = [:]

    /// `open` connects and returns the connection with its server process id.
    init(size: Int, open: @escaping () throws -> (PostgresConnection, backendPID: Int32)) {
        self.size = max(1, size)
        self.opener = open
    }

    /// A connection of its own for `body`, given back afterwards (dropped if it closed).
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try take()
        defer { giveBack(connection) }
        return try body(connection)
    }

    /// Whether `pid` is the server process of one of this pool's connections.
    func isOwn(backendPID pid: Int32) -> Bool {
        condition.withLock { backendPIDs.values.contains(pid) }
    }

    /// Closes every connection, waiting for those serving a call to come back. A later
    /// call opens a new one.
    func close() {
        let closing = condition.withLock {
            while count > idle.count { condition.wait() }
            defer { idle = [] }
            for connection in idle { forget(connection) }
            return idle
        }
        for connection in closing { try? connection.close().wait() }
    }

    private func take() throws -> PostgresConnection {
        condition.lock()
        while true {
            if let connection = idle.popLast() {
                if !connection.isClosed {
                    condition.unlock()
                    return connection
                }
                forget(connection)
                continue
            }
            if count < size { break }
            condition.wait()
        }
        count += 1  // a place held while it opens, outside the lock
        condition.unlock()
        do {
            let (connection, pid) = try opener()
            condition.withLock { backendPIDs[ObjectIdentifier(connection)] = pid }
            return connection
        } catch {
            condition.withLock {
                count -= 1
                condition.broadcast()
            }
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        condition.withLock {
            if connection.isClosed { forget(connection) } else { idle.append(connection) }
            condition.broadcast()  // a call waiting for a connection, or `close`
        }
    }

    /// Under the lock: `connection` no longer counts.
    private func forget(_ connection: PostgresConnection) {
        count -= 1
        backendPIDs[ObjectIdentifier(connection)] = nil
    }
}
