import ServiceLifecycle

/// The vdir watcher as a service: follows the folders from the start, stops at shutdown.
struct VdirSyncService: Service {
    let watcher: VdirWatcher
    let publisher: VdirPublisher?

    func run() async throws {
        // The start applies the files changed while relanced was down (a calendar synced
        // whole: thousands of files, a transaction each). On a store-call thread, never
        // on an event loop, which the control socket needs to answer meanwhile.
        let watcher = self.watcher
        let publisher = self.publisher
        try? await withGracefulShutdownHandler {
            try await OffPool.run {
                watcher.start()
                publisher?.publish()
            }
        } onGracefulShutdown: {
            watcher.interruptCatchUp()
        }
        try? await gracefulShutdown()
        watcher.stop()
    }
}
