import Logging
import RelanceAPI
import RelanceStore
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

extension MaildirService {
    /// `[mail_watch] inbox` and `sent_folder` on either store (nil when it names neither):
    /// every message handed to `ingest`, the write path of `relancectl ingest`, with the
    /// folder's watermark (kept under `keyPrefix` and the folder's path).
    static func make(_ configuration: Configuration, store: any MailWatermarks, keyPrefix: String = "maildir:",
                     logger: Logger, changed: ChangeSignal,
                     ingest: @escaping @Sendable (_ message: String, _ sent: Bool, _ mark: Bookkeeping) throws -> Ingest.Reply)
        -> MaildirService? {
        let folders = [configuration.watchedInbox.map { MaildirWatcher.Folder(path: $0, sent: false) },
                       configuration.watchedSentFolder.map { MaildirWatcher.Folder(path: $0, sent: true) }].compactMap { $0 }
        guard !folders.isEmpty else { return nil }
        let watcher = MaildirWatcher(folders: folders, store: store, keyPrefix: keyPrefix, logger: logger) { message, sent, mark in
            let reply = try ingest(message, sent, mark)
            if reply.outcome != "ignored" { logger.notice("mail: \(reply.summary)") }
            changed.send()
        }
        return MaildirService(watcher: watcher)
    }
}
