import ServiceLifecycle

/// The IMAP folder watchers as a service: their threads start with the daemon and end at
/// shutdown (the socket stops first: no call is cut short).
struct IMAPService: Service {
    let watchers: [IMAPFolderWatcher]

    func run() async throws {
        for watcher in watchers { watcher.start() }
        try? await gracefulShutdown()
        let watchers = self.watchers
        // Each waits for its thread (bounded): off the cooperative pool.
        try? await OffPool.run {
            for watcher in watchers { watcher.requestStop() }
            for watcher in watchers { watcher.stop() }
        }
    }
}
