import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration, like `relancectl reload`.
struct ReloadService: Service {
    let reloader: Reloader

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            // Off the event loops: a reload re-plans in the store, whose calls block.
            try? await OffPool.run { try reloader.reload() }
        }
    }
}
