import ServiceLifecycle

/// The Maildir watcher as a service: watches from the start, stops at shutdown.
struct MaildirService: Service {
    let watcher: MaildirWatcher

    func run() async throws {
        // The start reads what came while relanced was down: up to minutes of file reads
        // and store writes for a mailbox synced whole (100 000 messages: about a minute,
        // BENCHMARKS.md). On a store-call thread, never on an event loop, which the
        // control socket needs to answer meanwhile.
        let watcher = self.watcher
        try? await withGracefulShutdownHandler {
            try await OffPool.run { watcher.start() }
        } onGracefulShutdown: {
            watcher.interruptCatchUp()
        }
        try? await gracefulShutdown()
        // Off the event loops too: `stop` waits for the message at hand, whose write may
        // wait for PostgreSQL replies read on them (a team node).
        try? await OffPool.run { watcher.stop() }
    }
}
