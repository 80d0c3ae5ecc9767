import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import RelanceTestKit
import Testing
@testable import RelanceTeamStore

/// A node's connections (`[store] pool_size`) on a real PostgreSQL 15: calls run side by
/// side up to the pool's size, and a connection the server closed is replaced.
@Suite(.serialized) struct ConnectionPoolTests {
    func node(_ server: PostgresServer, poolSize: Int) throws -> TeamStore {
        var settings = try TeamStoreSettings(url: server.url, node: "a")
        settings.poolSize = poolSize
        return try TeamStore.open(settings, logger: Logger(label: "team-test-pool"))
    }

    @Test func aCallIsServedWhileAnotherHoldsAConnection() throws {
        let server = try PostgresServer()
        let store = try node(server, poolSize: 2)
        let otherCallDone = DispatchSemaphore(value: 0), holding = DispatchSemaphore(value: 0)
        let waited = NIOLockedValueBox<DispatchTimeoutResult?>(nil)
        // One call holds its connection (a transaction open) until the other has been served:
        // with one connection for both, the first would wait for ever (here: 30 s, then fail).
        let first = Thread {
            try? store.transaction { connection in
                try store.run(connection, "SELECT 1")
                holding.signal()
                waited.withLockedValue { $0 = otherCallDone.wait(timeout: .now() + 30) }
            }
        }
        first.start()
        holding.wait()
        #expect(try store.appliedMigrations().count == TeamSchema.migrations.count)
        otherCallDone.signal()
        while waited.withLockedValue({ $0 }) == nil { usleep(1_000) }
        #expect(waited.withLockedValue { $0 } == .success)
        store.close()
    }

    @Test func aConnectionTheServerClosedIsReplacedAndOnlyThatCallFails() throws {
        let server = try PostgresServer()
        let store = try node(server, poolSize: 1)
        func backendPID() throws -> Int32 {
            try store.withConnection { connection in
                try connection.query("SELECT pg_backend_pid()", logger: Logger(label: "t")).wait().first!.decode(Int32.self)
            }
        }
        let before = try backendPID()
        #expect(store.isOwnBackend(before))
        // Terminated by the server (waiting until it is gone).
        _ = try server.psql("SELECT pg_terminate_backend(\(before), 10000)")
        // A call that finds it closed fails as unavailable, as before; the next is served
        // on a new connection, whose notifications are the node's own.
        var after: Int32?
        for _ in 0..<3 where after == nil {
            do { after = try backendPID() } catch let error as TeamStoreError { #expect(error.description.contains("unavailable")) }
        }
        let replaced = try #require(after)
        #expect(replaced != before)
        #expect(store.isOwnBackend(replaced) && !store.isOwnBackend(before))
        store.close()
    }
}
