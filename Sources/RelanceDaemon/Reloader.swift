import Foundation
import Logging
import RelanceCore
import RelanceStore

/// SIGHUP or `Reload`: re-reads and validates the file; a bad one keeps the previous
/// configuration and says why (status line, journal, and the caller's error). New
/// timing rules re-plan the pending reminders in one transaction.
struct Reloader: Sendable {
    let configPath: String
    let load: @Sendable () throws -> Configuration
    let configuration: LiveConfiguration
    let store: AppDatabase
    let clock: any WallClock
    let lifecycle: any DaemonLifecycle
    let reporter: StatusReporter
    let logger: Logger
    /// The folders the daemon started following (`[sync]`, `[mail_watch]`): they change
    /// only at restart, so a reload compares with these, not with the last reload.
    var followedAtStart: [String] = []

    /// The followed folders `configuration` names, in one list to compare.
    static func followed(_ configuration: Configuration) -> [String] {
        configuration.sync.calendars.map { "calendar " + $0 } + configuration.sync.contacts.map { "contacts " + $0 }
            + [configuration.sync.publish.map { "publish " + $0 }, configuration.watchedInbox.map { "inbox " + $0 },
               configuration.watchedSentFolder.map { "sent " + $0 }].compactMap { $0 }
    }

    func reload() throws {
        lifecycle.reloading()
        defer { lifecycle.ready(status: reporter.line()) }
        do {
            let fresh = try load()
            let current = configuration.current
            if fresh.databasePath != current.databasePath || fresh.socketPath != current.socketPath {
                logger.warning("the database and socket paths change only at restart")
            }
            configuration.current = fresh
            // With the imported holidays (the file knows only its own).
            let rules = configuration.current.rules
            if rules != current.rules {
                do {
                    let changes = try store.replan(rules: rules, now: clock.now())
                    logger.notice("re-planned \(changes.scheduled.count) pending reminder(s) under the new rules")
                } catch {
                    logger.error("re-planning failed: \(error)")
                }
            }
            if fresh.imap != current.imap || fresh.watchedInbox != current.watchedInbox
                || fresh.watchedSentFolder != current.watchedSentFolder {
                logger.warning("[mail_watch] folders and IMAP settings take effect at restart (systemctl --user restart relanced)")
            }
            if fresh.channels != current.channels {
                logger.warning("delivery channel settings take effect at restart (systemctl --user restart relanced)")
            }
            if Self.followed(fresh) != followedAtStart {
                logger.warning("followed folders ([sync], [mail_watch]) change at restart (systemctl --user restart relanced)")
            }
            reporter.setProblem(nil)
            logger.notice("configuration reloaded from \(configPath)")
        } catch {
            reporter.setProblem("configuration rejected: \(error)")
            var metadata = MessageID.configurationRejected.metadata
            metadata["config_path"] = "\(configPath)"
            logger.error("configuration rejected, keeping the previous one: \(error)", metadata: metadata)
            throw error
        }
    }
}
