import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// A connection a node keeps for as long as it runs, apart from its calls' pool: the one
/// that listens for the other nodes' changes, the one that holds the node's name. The
/// server may drop it (restarted, cut off): it is opened again with back-off (1 s
/// doubling to 30 s), each try connecting and setting the session up through `setUp` (a
/// connection whose set-up fails is closed), and `restored` is told once a try succeeds.
/// No polling in between.
final class StandingConnection: @unchecked Sendable {  // state is in `state`
    private struct State {
        var connection: PostgresConnection?
        var stopped = false
        var retryDelay: TimeAmount = .seconds(1)
    }

    private let state = NIOLockedValueBox(State())
    /// What it is for, in the log: "listens for other nodes' changes".
    private let purpose: String
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let open: @Sendable () -> EventLoopFuture<PostgresConnection>
    private let setUp: @Sendable (PostgresConnection) -> EventLoopFuture<Void>
    private let restored: @Sendable () -> Void

    init(purpose: String, eventLoop: any EventLoop, logger: Logger,
         open: @escaping @Sendable () -> EventLoopFuture<PostgresConnection>,
         setUp: @escaping @Sendable (PostgresConnection) -> EventLoopFuture<Void>,
         restored: @escaping @Sendable () -> Void) {
        self.purpose = purpose; self.eventLoop = eventLoop; self.logger = logger
        self.open = open; self.setUp = setUp; self.restored = restored
    }

    /// One try now; the connection is kept (and watched) when it is set up.
    func connect() -> EventLoopFuture<Void> {
        open().flatMap { connection in
            self.setUp(connection)
                .map { self.keep(connection) }
                .flatMapError { error in connection.close().flatMapThrowing { throw error } }
        }
    }

    /// Tries again after the back-off, until a try succeeds or the connection is stopped.
    func retry() {
        let delay = state.withLockedValue { state in
            defer { state.retryDelay = min(state.retryDelay * 2, .seconds(30)) }
            return state.retryDelay
        }
        eventLoop.scheduleTask(in: delay) { [weak self] in
            guard let self, !state.withLockedValue({ $0.stopped }) else { return }
            connect().whenComplete { result in
                switch result {
                case .success:
                    self.restored()
                case .failure(let error):
                    self.logger.warning("team database: the connection that \(self.purpose) is not back: \(TeamStore.describe(error)); retrying")
                    self.retry()
                }
            }
        }
    }

    /// Closes it for good (waiting for the close): no try after this.
    func stop() {
        let connection = state.withLockedValue { state in
            state.stopped = true
            return state.connection
        }
        _ = try? connection?.close().wait()
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
        logger.warning("team database: lost the connection that \(purpose); reconnecting")
        retry()
    }
}
