import Foundation
import Logging
import RelanceCore

/// SIGHUP or `Reload`: re-reads and validates the file; a bad one keeps the previous
/// configuration and says why (status line, journal, and the caller's error). New
/// timing rules re-plan the pending reminders in one transaction. The personal daemon
/// and a team node reload alike; the store is behind `replan`, the status line `status`.
struct Reloader: Sendable {
    let configPath: String
    let load: @Sendable () throws -> Configuration
    let configuration: LiveConfiguration
    /// Re-plans the pending reminders under new rules, in one transaction; how many moved.
    let replan: @Sendable (TimingRules) throws -> Int
    let status: StatusLine
    let lifecycle: any DaemonLifecycle
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
        defer { lifecycle.ready(status: status.line()) }
        do {
            let fresh = try load()
            let current = configuration.current
            if fresh.databasePath != current.databasePath || fresh.socketPath != current.socketPath
                || fresh.teamStore != current.teamStore {
                logger.warning("the database, the team store ([store]) and the socket path change only at restart")
            }
            if fresh.teamUsers != current.teamUsers {
                // Read at each connection (ControlSocket): the next caller is served by it.
                logger.notice("team users now: \(fresh.teamUsers.summary)")
            }
            configuration.current = fresh
            // With the imported holidays (the file knows only its own).
            let rules = configuration.current.rules
            if rules != current.rules {
                do {
                    let moved = try replan(rules)
                    logger.notice("re-planned \(moved) pending reminder(s) under the new rules")
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
            status.setProblem(nil)
            logger.notice("configuration reloaded from \(configPath)")
        } catch {
            status.setProblem("configuration rejected: \(error)")
            var metadata = MessageID.configurationRejected.metadata
            metadata["config_path"] = "\(configPath)"
            logger.error("configuration rejected, keeping the previous one: \(error)", metadata: metadata)
            throw error
        }
    }
}

/// The daemon's one-line status (sd_notify STATUS=), and the problem it leads with.
struct StatusLine: Sendable {
    let line: @Sendable () -> String
    let setProblem: @Sendable (String?) -> Void
}
