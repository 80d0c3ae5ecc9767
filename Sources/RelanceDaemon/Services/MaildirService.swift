import ServiceLifecycle

/// The Maildir watcher as a service: watches from the start, stops at shutdown.
struct MaildirService: Service {
    let watcher: MaildirWatcher

    func run() async throws {
        watcher.start()
        try? await gracefulShutdown()
        watcher.stop()
    }
}
