import Logging
import ServiceLifecycle
import VarlinkTransport

/// The control socket as a service: serves until the group shuts down, then stops
/// accepting and ends every connection (a `Watch` included).
struct ControlServerService: Service {
    let server: VarlinkServer
    let endpoint: VarlinkServer.Endpoint
    /// Runs once the socket listens: the daemon is ready.
    let onListening: @Sendable () -> Void

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await server.run(on: endpoint, onListening: onListening)
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // Stopped on purpose: a clean end, not a failure.
        }
    }
}
