import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP re-reads the configuration, like `relancectl reload`.
struct ReloadService: Service {
    let reloader: Reloader

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            try? reloader.reload()
        }
    }
}
