import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore
import ServiceLifecycle
import VarlinkTransport

extension Daemon {
    /// Team mode (`[store] url = "postgresql://…"`): this node shares the team's
    /// reminders and inbox with the other nodes on the same database. The same scheduler
    /// as the personal daemon, on the team store: each node arms its one timer for the
    /// next deadline it knows of (its own writes and the others', heard through
    /// LISTEN/NOTIFY), and the database decides which node fires a row (issue #16).
    func runTeamNode(_ settings: TeamStoreSettings, configuration: LiveConfiguration, socketPath: String) async throws {
        // The store, not connected yet: what acts on it is wired first.
        let store = try TeamStore(settings: settings, logger: logger)
        do {
            try await serveTeamNode(on: store, settings: settings, configuration: configuration, socketPath: socketPath)
        } catch {
            // Closed on every way out, a refused start too: its connections are sessions on
            // the server (one holds the node's name).
            try? await OffPool.run { store.close() }
            throw error
        }
    }

    private func serveTeamNode(on store: TeamStore, settings: TeamStoreSettings, configuration: LiveConfiguration,
                               socketPath: String) async throws {
        let logger = self.logger
        let clock = self.clock
        let lifecycle = self.lifecycle
        let options = self.options
        // A popup's buttons act on the shared inbox as on the personal daemon's (the item
        // found through this node's own receipt: the popup is on this node's screen).
        let desktopActions = DesktopActions(store: store, clock: clock, zone: { configuration.current.rules.userZone },
                                            logger: logger)
        // The same channels as the personal daemon's, built before the database is
        // touched (a channel described wrongly stops the start having changed nothing).
        // Every node sends from the shared outbox, each job from the node that claimed it
        // (its lease).
        let built = try buildChannels(configuration.current.channels,
            onAction: { id, action in Task { await desktopActions.handle(notificationID: id, action: action) } },
            onClosed: { id, reason in logger.info("desktop notification \(id) closed: \(reason)", metadata: ["channel": "desktop"]) })
        do {
            // The store's calls block on the database's answer: off the event loops (Swift
            // concurrency runs on them here), as every store call.
            try await OffPool.run { try store.migrate() }
            // The node's name is its own while it runs (another node under it refuses to start).
            try await OffPool.run { try store.holdNodeName() }
        } catch let error as TeamStoreError {
            if case .nodeNameTaken = error { throw ConfigurationError(path: options.configPath, line: nil, message: error.description) }
            throw DaemonError.teamStoreUnavailable(error.description)
        }
        logger.notice("team mode: node \(settings.node) on database \(settings.database)")
        // What this node's last run claimed and did not finish sending (killed mid-send)
        // goes out now, not when its lease runs out: nobody else sends under this name.
        let takenBack = try await OffPool.run { try store.takeBackOwnClaims(now: clock.now()) }
        if takenBack > 0 {
            logger.notice("team node \(settings.node): \(takenBack) deliveries its last run had claimed and not finished are due again now")
        }
        try await Self.registerScreen(store, configuration: configuration.current, now: clock.now(), logger: logger)
        let delivery = DeliveryService(store: store, clock: clock, logger: logger, channels: built.channels,
                                       zone: { configuration.current.timeZone })
        // `[mail] mode = "digest"` or `"both"`: each team user's daily digest, from
        // whichever node claims it first (at the node's `digest_time`, in the user's zone).
        let digestTime = configuration.current.channels.mail?.digestTime
        let digest = built.digest.map { channel in
            TeamDigestService(store: store, channel: channel, time: digestTime!, zone: { configuration.current.timeZone },
                              clock: clock, logger: logger)
        }
        if digest != nil, let digestTime {
            logger.info("daily digest: each team user with an address gets theirs at \(digestTime) in their zone")
        }
        let outboxChannels = delivery.channelNames
        let broadcaster = InboxBroadcaster()
        let events = TeamEventPlanner(store: store)
        let scheduler = Scheduler(store: store, time: clock, logger: logger,
                                  rules: { configuration.current.rules }, channels: { outboxChannels }) { firing in
            broadcaster.publish(firing.items)
            delivery.wake()
            for item in firing.items { Self.logFired(item, logger: logger) }
            // A fired event reminder may be the last of its occurrence: plan the next.
            if !firing.eventIDs.isEmpty {
                events.materialize(firing.eventIDs, rules: configuration.current.rules, now: clock.now(), logger: logger)
            }
        }
        // The team's imported days off are among the rules, from before the first firing.
        try await Self.readTeamHolidays(store, into: configuration)
        try await OffPool.run { _ = try scheduler.start() }
        try await Self.followTeamHolidays(store, into: configuration, logger: logger)
        try await OffPool.run { events.materialize(nil, rules: configuration.current.rules, now: clock.now(), logger: logger) }
        // Items other nodes fire reach this node's `Watch` clients too, and their outbox
        // jobs this node's delivery (committed with the items: NOTIFY comes after COMMIT).
        store.observeOtherNodesInbox { ids in
            delivery.wake()
            Task {
                do {
                    broadcaster.publish(try await OffPool.run { try store.inboxItems(ids: ids) })
                } catch {
                    logger.warning("team database: could not read inbox items \(ids) another node fired: \(error)")
                }
            }
        }

        await delivery.probeAll()
        // The rules and [team.users] are read where they are used, so a reload (SIGHUP,
        // `relancectl reload`) changes them for the next call; new rules re-plan the
        // team's pending follow-ups and meeting reminders, as on the personal daemon.
        let problem = NIOLockedValueBox<String?>(nil)
        let status = StatusLine(line: {
            let line = "team node \(settings.node): \(scheduler.snapshot().pending) pending"
            return problem.withLockedValue { $0 }.map { "\($0); \(line)" } ?? line
        }, setProblem: { text in problem.withLockedValue { $0 = text } })
        let reloader = Reloader(configPath: options.configPath, load: { try self.loadConfiguration() },
                                configuration: configuration,
                                replan: { rules in try store.replan(rules: rules, now: clock.now()).scheduled.count },
                                status: status, lifecycle: lifecycle,
                                logger: logger)
        let users: @Sendable () -> TeamUsers = { configuration.current.teamUsers }
        let changed = ChangeSignal()
        let mailSources = configuration.current.imap != nil ? MailSourceHealth() : nil
        let service = TeamControlService(store: store, scheduler: scheduler, broadcaster: broadcaster, delivery: delivery,
                                         digest: digest, mailSources: mailSources,
                                         clock: clock, rules: { configuration.current.rules }, users: users,
                                         configuration: configuration,
                                         templatesDirectory: URL(fileURLWithPath: options.configPath).deletingLastPathComponent().path + "/templates",
                                         reload: { try reloader.reload() }, didChange: { changed.send() }, logger: logger)
        if configuration.current.calendarFile != nil || configuration.current.sync.publish != nil {
            // What this node writes for calendar apps is rewritten after this node's changes
            // and every change to the team's pending reminders, whichever node made it (the
            // feed).
            store.observeReminders { _ in changed.send() }
        }
        if let path = configuration.current.calendarFile {
            // What is coming for the team.
            let exporter = CalendarFileExporter(path: path, logger: logger) { try service.export("ics") }
            changed.subscribe { exporter.setNeedsWrite() }
            try await OffPool.run { exporter.write() }  // the store blocks: off the event loops
        }
        let sync = try teamVdirSync(store, configuration: configuration, changed: changed)
        let socket = try ControlSocket(serving: service, options: options, paths: paths, configuration: configuration.current,
                                       teamUsers: users, socketPath: socketPath, logger: logger) {
            lifecycle.ready(status: status.line())
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: SchedulerService(scheduler: scheduler, lifecycle: lifecycle), serviceName: "scheduler"),
            .init(service: DeliveryServiceRunner(delivery: delivery, drainLimit: .seconds(10), logger: logger),
                  serviceName: "delivery"),
            .init(service: ReloadService(reloader: reloader), serviceName: "reload"),
        ]
        if let mail = try teamMaildirService(store: store, service: service, configuration: configuration.current,
                                             changed: changed) {
            services.append(.init(service: mail, serviceName: "maildir"))
        }
        if let imap = try teamIMAPService(store: store, service: service, configuration: configuration.current,
                                          health: mailSources, changed: changed) {
            services.append(.init(service: imap, serviceName: "imap"))
        }
        if let sync { services.append(.init(service: sync, serviceName: "vdir-sync")) }
        if let digest {
            services.append(.init(service: TeamDigestRunner(digest: digest, drainLimit: .seconds(10), logger: logger),
                                  serviceName: "digest"))
        }
        // Last: stopped first (the group stops its services in reverse order).
        services.append(.init(service: socket.service, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "control"))
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(20)
        try await withGracefulShutdownHandler {
            try await ServiceGroup(configuration: group).run()
        } onGracefulShutdown: {
            lifecycle.stopping()
        }
        broadcaster.finish()
        try? await OffPool.run { store.close() }
        socket.removeIfOurs()
        logger.info("stopped")
    }

    /// The team user this node reads its own mail and folders as (`Configuration.nodeUser`).
    /// The loader refused folders on a node that has none; checked again at start all the same.
    func nodeUser(_ configuration: Configuration, section: String, reading what: String) throws -> String {
        guard let user = configuration.nodeUser(uid: getuid()) else {
            throw ConfigurationError(path: options.configPath, line: nil,
                                     message: "[\(section)]: a team node reads \(what) as its team user, and uid \(getuid()) is none")
        }
        return user
    }

    /// The node's watched Maildir folders (`[mail_watch] inbox`, `sent_folder`), read as
    /// its team user through `Ingest`'s write path, each folder's watermark in the
    /// message's transaction under a key naming the node; nil when it watches none.
    func teamMaildirService(store: TeamStore, service: TeamControlService, configuration: Configuration,
                            changed: ChangeSignal) throws -> MaildirService? {
        guard configuration.watchedInbox != nil || configuration.watchedSentFolder != nil else { return nil }
        let user = try nodeUser(configuration, section: "mail_watch", reading: "a Maildir")
        let paths = [configuration.watchedInbox, configuration.watchedSentFolder].compactMap { $0 }
        logger.notice("mail: this node reads \(paths.joined(separator: ", ")) as \(user)")
        return MaildirService.make(configuration, store: store, keyPrefix: "maildir:\(store.settings.node):", logger: logger,
                                   changed: changed) { message, sent, mark in
            try service.ingest(Ingest.Parameters(message: message, sent: sent ? true : nil), by: user,
                               rules: try service.rules(for: user), bookkeeping: mark)
        }
    }

    /// The node's IMAP account (`[mail_watch] imap_url`), read as its team user through
    /// `Ingest`'s write path, how far each folder was read kept in the team database under
    /// the node's name; nil when it reads none.
    func teamIMAPService(store: TeamStore, service: TeamControlService, configuration: Configuration,
                         health: MailSourceHealth?, changed: ChangeSignal) throws -> IMAPService? {
        guard let imap = configuration.imap, let health else { return nil }
        guard let makeIMAPClient else {
            throw ConfigurationError(path: options.configPath, line: nil, message: "[mail_watch] imap_url: this relanced was built without IMAP")
        }
        let user = try nodeUser(configuration, section: "mail_watch", reading: "an IMAP account")
        logger.notice("mail: this node reads its IMAP account as \(user)")
        return IMAPService.make(imap, client: makeIMAPClient, store: store, health: health, clock: clock, logger: logger) {
            message, sent in
            let reply = try service.ingest(Ingest.Parameters(message: message, sent: sent ? true : nil), by: user,
                                           rules: try service.rules(for: user))
            changed.send()
            return reply
        }
    }

    /// Says whose reminders pop up on this node (`[desktop] user`, else the team user the
    /// node runs as; fixed at start, as the channels are), so the team queues them here.
    static func registerScreen(_ store: TeamStore, configuration: Configuration, now: Date, logger: Logger) async throws {
        let screen = configuration.channels.screenUser(teamUsers: configuration.teamUsers, uid: getuid())
        let dropped = try await OffPool.run { try store.registerScreen(of: screen, at: now) }
        if let screen { logger.notice("desktop: this node shows \(screen)'s reminders and the team's") }
        if dropped > 0 { logger.notice("desktop: \(dropped) popup(s) waiting for a screen no node shows any more were dropped") }
    }

    /// `[sync]` on a team node: the followed folders applied as the node's team user, and
    /// `publish` holding that user's meetings and the events they go to.
    func teamVdirSync(_ store: TeamStore, configuration: LiveConfiguration, changed: ChangeSignal) throws -> VdirSyncService? {
        let settings = configuration.current
        guard !settings.sync.isEmpty else { return nil }
        let user = try nodeUser(settings, section: "sync", reading: "vdir folders")
        logger.notice("sync: this node follows its vdir folders as \(user)")
        let vdir = TeamVdirStore(store: store, user: user)
        let clock = self.clock
        return VdirSyncService.make(settings.sync, store: vdir, clock: clock, rules: { configuration.current.rules },
                                    changed: changed, logger: logger) {
            VdirPublisher.files(meetings: try store.meetings(from: .distantPast).filter { $0.by == user }.map(\.meeting),
                                events: try store.events().filter { $0.by == user }.map(\.event),
                                synced: try vdir.syncedEventUIDs(), contacts: try store.contacts().map(\.contact),
                                now: clock.now())
        }
    }

    /// The team's imported days off, into the rules this node plans with.
    static func readTeamHolidays(_ store: TeamStore, into configuration: LiveConfiguration) async throws {
        configuration.importedHolidays = Set(try await OffPool.run { try store.holidays() }.map(\.date))
    }

    /// Re-reads the team's days off whenever another node changes them (heard through the
    /// database; call once the store listens), and once now: a change made between the
    /// first read and listening is not missed.
    static func followTeamHolidays(_ store: TeamStore, into configuration: LiveConfiguration, logger: Logger) async throws {
        store.observeHolidays {
            Task {
                do {
                    try await readTeamHolidays(store, into: configuration)
                    logger.notice("the team's days off changed: \(configuration.importedHolidays.count) imported")
                } catch {
                    logger.warning("team database: could not read the team's days off another node changed: \(error)")
                }
            }
        }
        try await readTeamHolidays(store, into: configuration)
    }
}
