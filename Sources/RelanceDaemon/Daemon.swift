import Dispatch
import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkTransport

/// relanced as a service: `run()` reads like a checklist (open the store, catch up,
/// listen, announce ready, serve until a signal).
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

        public init(configPath: String, configRequired: Bool, databasePath: String? = nil,
                    socketPath: String? = nil, inheritedSocket: CInt? = nil) {
            self.configPath = configPath
            self.configRequired = configRequired
            self.databasePath = databasePath
            self.socketPath = socketPath
            self.inheritedSocket = inheritedSocket
        }
    }

    private let options: Options
    private let paths: RelancePaths
    private let clock: any WallClock
    private let lifecycle: any DaemonLifecycle
    private let logger: Logger

    public init(options: Options, paths: RelancePaths = RelancePaths(), clock: any WallClock = SystemWallClock(),
                lifecycle: any DaemonLifecycle = SilentLifecycle(), logger: Logger) {
        self.options = options
        self.paths = paths
        self.clock = clock
        self.lifecycle = lifecycle
        self.logger = logger
    }

    /// Runs until SIGTERM or SIGINT; returns after a clean shutdown.
    public func run() async throws {
        let configuration = try ConfigurationLoader.load(path: options.configPath, required: options.configRequired)
        let databasePath = options.databasePath ?? configuration.databasePath ?? paths.database
        let socketPath = options.socketPath ?? configuration.socketPath ?? paths.controlSocket

        let store = try AppDatabase.open(path: databasePath)
        logger.info("store open at \(databasePath)")

        let broadcaster = InboxBroadcaster()
        let logger = self.logger
        let scheduler = Scheduler(store: store, clock: clock, logger: logger) { items in
            for item in items {
                var metadata: Logger.Metadata = [
                    "event": "fired", "reminder_id": "\(item.reminderID)", "inbox_id": "\(item.id)", "late": "\(item.late)",
                ]
                if let contactID = item.contactID { metadata["contact_id"] = "\(contactID)" }
                if let outreachID = item.outreachID { metadata["outreach_id"] = "\(outreachID)" }
                logger.notice("reminder fired: \(item.text)", metadata: metadata)
            }
            broadcaster.publish(items)
        }
        try scheduler.start()

        let service = ControlService(store: store, scheduler: scheduler, broadcaster: broadcaster,
                                     configuration: configuration, clock: clock, databasePath: databasePath,
                                     logger: logger)
        let server = VarlinkServer(service: service, errors: ControlService.transportErrors, logger: logger)
        let endpoint: VarlinkServer.Endpoint
        if let descriptor = options.inheritedSocket {
            endpoint = .inherited(descriptor: descriptor)
        } else {
            try Self.prepareSocketDirectory(for: socketPath)
            endpoint = .path(socketPath, mode: 0o600)
        }

        let lifecycle = self.lifecycle
        let options = self.options
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT, SIGHUP])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await server.run(on: endpoint) {
                    logger.info("listening on \(options.inheritedSocket.map { "inherited socket fd \($0)" } ?? socketPath)")
                    lifecycle.ready()
                }
            }
            group.addTask {
                for await signal in signals.stream {
                    if signal == SIGHUP {
                        logger.info("SIGHUP: reload is not implemented yet; configuration unchanged")
                        continue
                    }
                    logger.info("signal \(signal): shutting down")
                    return
                }
            }
            // Either the server failed or a stop signal came: stop the rest.
            defer { group.cancelAll() }
            try await group.next()
        }
        lifecycle.stopping()
        scheduler.stop()
        broadcaster.finish()
        if options.inheritedSocket == nil { unlink(socketPath) }
        logger.info("stopped")
    }

    /// The socket's directory is private (0700): no other user can reach the socket
    /// even in the instant between bind and chmod.
    static func prepareSocketDirectory(for socketPath: String) throws {
        let directory = (socketPath as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
    }
}

/// Turns POSIX signals into an async stream (DispatchSource, so no handler runs in
/// signal context).
final class SignalWatcher: @unchecked Sendable {  // sources are immutable after init
    let stream: AsyncStream<Int32>
    private let sources: [DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        self.sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}
