import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import ServiceLifecycle
import VarlinkProtocol

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

extension IMAPService {
    /// `[mail_watch] imap_url` on either store: one watcher per folder (the inbox, and the
    /// Sent folder if named), each message handed to `ingest`, the write path of `relancectl
    /// ingest`; a message it refuses is recorded as unreadable, with the reason.
    static func make(_ settings: IMAPSettings, client makeClient: () -> any IMAPClient, store: any IMAPMarkStore,
                     health: MailSourceHealth, clock: any WallClock, logger: Logger,
                     ingest: @escaping @Sendable (_ message: String, _ sent: Bool) throws -> Ingest.Reply) -> IMAPService {
        let folders = [(settings.inbox, false)] + (settings.sent.map { [($0, true)] } ?? [])
        return IMAPService(watchers: folders.map { folder, sent in
            IMAPFolderWatcher(settings: settings, folder: folder, sent: sent, client: makeClient(), store: store,
                              health: health, logger: logger, now: { clock.now() }) { message, sent in
                let reply: Ingest.Reply
                do {
                    reply = try ingest(message, sent)
                } catch let error as VarlinkError {
                    throw IMAPFolderWatcher.Unreadable(reason: error.description)
                }
                if reply.outcome != "ignored" { logger.notice("mail: \(reply.summary)") }
            }
        })
    }
}
