import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
import RelanceInterchange
import RelanceStore
import ServiceLifecycle
import VarlinkProtocol
import VarlinkTransport

/// relanced as a service: `run()` reads like a checklist (read the configuration, open
/// the store, catch up, listen, announce ready, serve until a signal).
public final class Daemon: Sendable {
    /// Where and how to run; the command line fills it.
    public struct Options: Sendable {
        /// The configuration file, and whether it must exist (given explicitly).
        public var configPath: String
        public var configRequired: Bool
        /// Overrides from the command line (win over the file).
        public var databasePath: String?
        public var socketPath: String?
        /// Listen on this inherited descriptor instead of binding (socket activation).
        public var inheritedSocket: CInt?
        /// Running as the system service: any peer that can open the socket is served
        /// (its group decides) instead of only this uid and root, and the desktop channel
        /// is off unless configured (a headless host has no session bus).
        public var systemMode = false

        public init(configPath: String, configRequired: Bool, databasePath: String? = nil,
                    socketPath: String? = nil, inheritedSocket: CInt? = nil, systemMode: Bool = false) {
            self.configPath = configPath
            self.configRequired = configRequired
            self.databasePath = databasePath
            self.socketPath = socketPath
            self.inheritedSocket = inheritedSocket
            self.systemMode = systemMode
        }
    }

    let options: Options
    let paths: RelancePaths
    let clock: any TimeSource
    let lifecycle: any DaemonLifecycle
    let logger: Logger
    private let makeChannels: ChannelMaker
    let makeIMAPClient: (@Sendable () -> any IMAPClient)?

    /// - Parameter makeChannels: builds the delivery channels the configuration asks for
    ///   (`main` wires the real desktop and mail channels; none by default).
    /// - Parameter makeIMAPClient: a new IMAP session for each watched folder (`main` wires
    ///   libetpan's); without it, `[mail_watch] imap_url` is refused at start.
    public init(options: Options, paths: RelancePaths = RelancePaths(), clock: any TimeSource = SystemTimeSource(),
                lifecycle: any DaemonLifecycle = SilentLifecycle(), logger: Logger,
                makeIMAPClient: (@Sendable () -> any IMAPClient)? = nil,
                makeChannels: @escaping ChannelMaker = { _, _, _ in DeliveryChannels() }) {
        self.makeChannels = makeChannels
        self.makeIMAPClient = makeIMAPClient
        self.options = options
        self.paths = paths
        self.clock = clock
        self.lifecycle = lifecycle
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT; returns after a clean shutdown. Everything is built
    /// in dependency order, then run as one service group.
    public func run() async throws {
        let configPath = options.configPath
        let configuration = LiveConfiguration(try loadConfiguration())
        let databasePath = options.databasePath ?? configuration.current.databasePath ?? paths.database
        let socketPath = options.socketPath ?? configuration.current.socketPath ?? paths.controlSocket

        // Before touching the store: a second daemon on the same socket would steal it.
        if options.inheritedSocket == nil, Self.somethingAnswers(at: socketPath) {
            throw DaemonError.alreadyRunning(socketPath: socketPath)
        }
        if let team = configuration.current.teamStore {
            return try await runTeamNode(team, configuration: configuration, socketPath: socketPath)
        }
        let store = try AppDatabase.open(path: databasePath)
        logger.info("store open at \(databasePath)")
        configuration.importedHolidays = Set(try store.holidays().map(\.date))
        Self.raiseDescriptorLimit(logger: logger)

        let logger = self.logger
        let lifecycle = self.lifecycle
        let clock = self.clock
        // The safety net: snapshots beside the database, one a day at least when the
        // daemon starts (destructive commands take their own); no timer. Taken once the
        // daemon serves, off the start-up path (a large store takes a while to copy).
        let snapshots = SnapshotShelf(database: store,
                                      directory: Self.snapshotsDirectory(beside: databasePath),
                                      keepDays: { configuration.current.keepSnapshotsDays })
        let takeDailySnapshot: @Sendable () -> Void = {
            snapshots.takeDailyInBackground(now: clock.now()) { result in
                switch result {
                case .success(let daily?): logger.info("daily snapshot \(daily.id) taken")
                case .success(nil): break
                case .failure(let error): logger.warning("no daily snapshot: \(error)")
                }
            }
        }
        let broadcaster = InboxBroadcaster()
        let events = EventPlanner(store: store)
        let changed = ChangeSignal()
        let desktopActions = DesktopActions(store: store, clock: clock, zone: { configuration.current.rules.userZone },
                                            didChange: { changed.send() }, logger: logger)

        // Delivery channels; a desktop button press acts on the inbox.
        let built = try buildChannels(configuration.current.channels,
            onAction: { id, action in Task { await desktopActions.handle(notificationID: id, action: action) } },
            onClosed: { id, reason in
                let item = try? store.recordAftermath(channel: "desktop", receipt: String(id), at: clock.now(),
                                                      detail: "popup closed: \(reason)")
                logger.info("desktop notification \(id) closed: \(reason)",
                            metadata: ["channel": "desktop", "inbox_id": "\(item.flatMap { $0 }.map(String.init) ?? "")"])
            })
        let digestTime = configuration.current.channels.mail?.digestTime
        let delivery = DeliveryService(store: store, clock: clock, logger: logger, channels: built.channels,
                                       digest: built.digest.map { channel in
                                           (channel: channel, time: digestTime!, zone: { configuration.current.timeZone })
                                       }, zone: { configuration.current.timeZone })
        let outboxChannels = delivery.channelNames
        let scheduler = Scheduler(store: store, time: clock, logger: logger,
                                  rules: { configuration.current.rules }, channels: { outboxChannels }) { firing in
            // Watchers and delivery first; the journal lines can follow.
            broadcaster.publish(firing.items)
            delivery.wake()
            changed.send()
            for item in firing.items { Self.logFired(item, logger: logger) }
            // A fired event reminder may be the last of its occurrence: plan the next.
            if !firing.eventIDs.isEmpty {
                events.materialize(firing.eventIDs, rules: configuration.current.rules, now: clock.now(), logger: logger)
            }
        }
        try scheduler.start()
        events.materialize(Set(try store.eventIDs()), rules: configuration.current.rules, now: clock.now(), logger: logger)

        let reporter = StatusReporter(store: store, scheduler: scheduler, lifecycle: lifecycle,
                                      timeZone: { configuration.current.timeZone })
        changed.subscribe { reporter.setNeedsRefresh() }
        let reloader = Reloader(configPath: configPath, load: { try self.loadConfiguration() }, configuration: configuration,
                                replan: { rules in try store.replan(rules: rules, now: clock.now()).scheduled.count },
                                status: StatusLine(line: { reporter.line() }, setProblem: { reporter.setProblem($0) }),
                                lifecycle: lifecycle, logger: logger,
                                followedAtStart: Reloader.followed(configuration.current))
        let mailSources = MailSourceHealth()
        let service = ControlService(
            store: store, scheduler: scheduler, events: events, delivery: delivery, mailSources: mailSources,
            snapshots: snapshots, broadcaster: broadcaster,
            configuration: configuration, clock: clock, databasePath: databasePath,
            templatesDirectory: URL(fileURLWithPath: configPath).deletingLastPathComponent().path + "/templates",
            readsClientPaths: !options.systemMode, logger: logger,
            didChange: { changed.send() }, reload: { try reloader.reload() })
        if let path = configuration.current.calendarFile {
            let exporter = CalendarFileExporter(path: path, logger: logger) {
                try service.interchange.export("ics", rules: configuration.current.rules)
            }
            changed.subscribe { exporter.setNeedsWrite() }
            exporter.write()
        }
        await delivery.probeAll()

        let socket = try ControlSocket(serving: service, options: options, paths: paths, configuration: configuration.current,
                                       socketPath: socketPath, logger: logger) {
            lifecycle.ready(status: reporter.line())
            takeDailySnapshot()
            Self.injectTestFaults(scheduler: scheduler, logger: logger)
        }
        let control = socket.service

        // Replies from the user's own mail: Maildir folders, through the same write path
        // as `relancectl ingest`.
        var mailServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let maildir = MaildirService.make(configuration.current, store: store, logger: logger, changed: changed, ingest: {
            message, sent, mark in try service.ingest(Ingest.Parameters(message: message, sent: sent ? true : nil), bookkeeping: mark)
        }) {
            mailServices.append(.init(service: maildir, serviceName: "maildir"))
        }

        // Calendars and address books kept by vdirsyncer: followed live through the same
        // planners as `relancectl import`; Relance's own meetings and events published.
        let syncServices: [ServiceGroupConfiguration.ServiceConfiguration] = VdirSyncService.make(
            configuration.current.sync, store: store, clock: clock, rules: { configuration.current.rules }, changed: changed,
            logger: logger, published: { try Self.publishedFiles(store: store, now: clock.now()) }
        ).map { [.init(service: $0, serviceName: "vdir-sync")] } ?? []

        // Or the IMAP account itself (issue #13): one session per folder, each on a thread
        // of its own, through the same write path.
        if let imap = configuration.current.imap {
            guard let makeIMAPClient else {
                throw ConfigurationError(path: configPath, line: nil, message: "[mail_watch] imap_url: this relanced was built without IMAP")
            }
            let imapService = IMAPService.make(imap, client: makeIMAPClient, store: store, health: mailSources, clock: clock,
                                           logger: logger) { message, sent in
                let reply = try service.ingest(Ingest.Parameters(message: message, sent: sent ? true : nil))
                changed.send()
                return reply
            }
            mailServices.append(.init(service: imapService, serviceName: "imap"))
        }

        // Shut down in reverse order: the socket first (no new calls), then the reload
        // listener and the mail watcher, then the outbox drains, and the scheduler last.
        var group = ServiceGroupConfiguration(
            services: [
                .init(service: SchedulerService(scheduler: scheduler, lifecycle: lifecycle), serviceName: "scheduler"),
                .init(service: DeliveryServiceRunner(delivery: delivery, drainLimit: .seconds(10), logger: logger),
                      serviceName: "delivery"),
                .init(service: ReloadService(reloader: reloader), serviceName: "reload"),
            ] + mailServices + syncServices + [
                .init(service: control, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "control"),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(20)
        let serviceGroup = ServiceGroup(configuration: group)
        try await withGracefulShutdownHandler {
            try await serviceGroup.run()
        } onGracefulShutdown: {
            lifecycle.stopping()
        }
        broadcaster.finish()
        socket.removeIfOurs()
        logger.info("stopped")
    }

    /// What `[sync] publish` holds: one file per meeting and per event Relance owns (not
    /// those that came from a followed vdir), a series with its changed occurrences.
    static func publishedFiles(store: AppDatabase, now: Date) throws -> [String: String] {
        VdirPublisher.files(meetings: try store.meetings(from: .distantPast), events: try store.events(),
                       synced: try store.syncedEventUIDs(), contacts: try store.contacts(), now: now)
    }

    /// The configured delivery channels (personal daemon and team node alike); a channel
    /// the configuration describes wrongly stops the start as a configuration error.
    func buildChannels(_ settings: ChannelSettings, onAction: @escaping @Sendable (UInt32, String) -> Void,
                       onClosed: @escaping @Sendable (UInt32, String) -> Void) throws -> DeliveryChannels {
        do {
            return try makeChannels(settings, onAction, onClosed)
        } catch {
            throw ConfigurationError(path: options.configPath, line: nil, message: "[mail]: \(error)")
        }
    }

    func loadConfiguration() throws(ConfigurationError) -> Configuration {
        var configuration = try ConfigurationLoader.load(path: options.configPath, required: options.configRequired)
        configuration.channels.systemMode = options.systemMode
        return configuration
    }

    /// `snapshots/` in the database's directory.
    static func snapshotsDirectory(beside databasePath: String) -> String {
        let directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
        return (directory.isEmpty ? "." : directory) + "/snapshots"
    }

    static func logFired(_ item: InboxItem, logger: Logger) {
        var metadata = (item.late ? MessageID.catchUp : MessageID.reminderFired).metadata
        metadata["reminder_id"] = "\(item.reminderID)"
        metadata["inbox_id"] = "\(item.id)"
        metadata["late"] = "\(item.late)"
        if let contactID = item.contactID { metadata["contact_id"] = "\(contactID)" }
        if let outreachID = item.outreachID { metadata["outreach_id"] = "\(outreachID)" }
        logger.notice("\(item.late ? "reminder fired late (due while the daemon was down)" : "reminder fired"): \(item.text)",
                      metadata: metadata)
    }

    /// Debug builds only: `RELANCE_TEST_WEDGE_SCHEDULER_ONCE=FILE` wedges the scheduler
    /// queue once (deleting FILE), so the watchdog test can see systemd restart a stuck
    /// daemon. Release builds contain no such switch.
    static func injectTestFaults(scheduler: Scheduler, logger: Logger) {
        #if DEBUG
        guard let flag = ProcessInfo.processInfo.environment["RELANCE_TEST_WEDGE_SCHEDULER_ONCE"],
              FileManager.default.fileExists(atPath: flag) else { return }
        try? FileManager.default.removeItem(atPath: flag)
        logger.warning("test fault: wedging the scheduler queue")
        scheduler.onQueue { while true { sleep(3600) } }
        #endif
    }

    /// True when a process accepts connections on the socket at `path` (another relanced):
    /// a stale file from a crashed daemon refuses them and is replaced.
    static func somethingAnswers(at path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }

    /// The inode of the file at `path`, if any.
    static func inode(of path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    /// The socket's directory is private (0700): no other user can reach the socket
    /// even in the instant between bind and chmod.
    static func prepareSocketDirectory(for socketPath: String, paths: RelancePaths = RelancePaths()) throws {
        let directory = URL(fileURLWithPath: socketPath).deletingLastPathComponent().path
        var info = stat()
        if lstat(directory, &info) != 0 {
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            // mkdir, not a create-if-missing that follows a symlink planted meanwhile.
            if mkdir(directory, 0o700) != 0 && errno != EEXIST {
                throw UnsafeSocketDirectory(path: directory, problem: "cannot be created (\(String(cString: strerror(errno))))")
            }
        }
        try paths.checkSocketDirectory(of: socketPath)
    }
}

/// Why the daemon cannot start.
public enum DaemonError: Error, CustomStringConvertible {
    case alreadyRunning(socketPath: String)
    /// Team mode could not reach its database at start (systemd restarts the node).
    case teamStoreUnavailable(String)

    public var description: String {
        switch self {
        case .teamStoreUnavailable(let reason): "\(reason); the node starts once the database answers"
        case .alreadyRunning(let path):
            "another relanced is already running and answering on \(path); stop it first, or give this one --socket and --database of its own"
        }
    }
}

extension Daemon {
    /// Raises the soft RLIMIT_NOFILE to the hard limit: systemd starts services at a soft
    /// 1 024, which a burst of control connections plus the store and the channels can
    /// exhaust (issue "Hardened against load, faults and hostile peers").
    static func raiseDescriptorLimit(logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        guard limit.rlim_cur < limit.rlim_max else {
            logger.info("descriptor limit \(limit.rlim_cur)")
            return
        }
        let soft = limit.rlim_cur
        limit.rlim_cur = limit.rlim_max
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            logger.info("descriptor limit raised from \(soft) to \(limit.rlim_max)")
        } else {
            logger.warning("could not raise the descriptor limit from \(soft): \(String(cString: strerror(errno)))")
        }
    }
}
