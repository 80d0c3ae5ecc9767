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
            if fresh.channels != current.channels {
                logger.warning("delivery channel settings take effect at restart (systemctl --user restart relanced)")
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
