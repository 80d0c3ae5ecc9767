import ArgumentParser
import Foundation
import Logging
import RelanceAPI
import RelanceDaemon
import RelanceIMAP
import SystemdSupport

/// relanced: keeps your networking outreach from falling through the cracks.
/// The only place that wires everything together (entered through `Entry`).
struct Relanced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relanced",
        abstract: "The Relance daemon: follow-up reminders and a notification inbox for your outreach.",
        discussion: """
            Runs in the foreground until SIGTERM or SIGINT. Control it with relancectl (or any \
            Varlink client) on its Unix socket.
            """,
        version: ControlService.version)

    @Option(name: .long, help: ArgumentHelp("Configuration file.", valueName: "path"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("SQLite database file (overrides the configuration).", valueName: "path"))
    var database: String?

    @Option(name: .long, help: ArgumentHelp("Control socket path (overrides the configuration).", valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Check the configuration file, print 'path:line: message' for the first problem, and exit.")
    var checkConfig = false

    @Flag(name: .long, help: "Run as the system service: /etc/relance/config.toml, $STATE_DIRECTORY (or /var/lib/relance), /run/relance; any peer that can open the socket is served (its group decides).")
    var system = false

    enum LogTarget: String, ExpressibleByArgument, CaseIterable {
        case auto, journal, stderr
    }

    @Option(name: .long, help: "Where logs go: journal, stderr, or auto (the journal when stderr is connected to it).")
    var logTarget: LogTarget = .auto

    @Option(name: .long, help: ArgumentHelp("Least severe log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'; use trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        let paths = RelancePaths()
        let configPath = config ?? (system ? "/etc/relance/config.toml" : paths.configFile)
        if checkConfig {
            do {
                _ = try ConfigurationLoader.load(path: configPath, required: true)
                print("\(configPath): OK")
                return
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        let level = Logger.Level(rawValue: logLevel)!
        let toJournal = logTarget == .journal || (logTarget == .auto && JournalLogHandler.standardErrorIsJournal())
        LoggingSystem.bootstrap { label in
            if toJournal {
                var handler = JournalLogHandler(identifier: "relanced", fieldPrefix: "RELANCE_")
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "relanced")

        var options = Daemon.Options(configPath: configPath, configRequired: config != nil,
                                     databasePath: database, socketPath: socket, systemMode: system)
        if system {
            let state = ProcessInfo.processInfo.environment["STATE_DIRECTORY"] ?? "/var/lib/relance"
            options.databasePath = options.databasePath ?? state + "/relance.sqlite"
            options.socketPath = options.socketPath ?? "/run/relance/" + ControlInterface.name
        }
        // Socket activation: adopt the socket unit's listening socket (FileDescriptorName=varlink).
        options.inheritedSocket = SocketActivation.listeningSocket(named: "varlink")
        let lifecycle: any DaemonLifecycle = SystemdNotifier.isSupervised ? SystemdLifecycle() : SilentLifecycle()
        do {
            try await Daemon(options: options, paths: paths, lifecycle: lifecycle, logger: logger,
                             makeIMAPClient: { EtPanIMAPClient() }) { settings, onAction, onClosed in
                try ChannelFactory.make(settings, logger: logger, onAction: onAction, onClosed: onClosed)
            }.run()
        } catch let error as ConfigurationError {
            var metadata = MessageID.configurationRejected.metadata
            metadata["config_path"] = "\(configPath)"
            logger.critical("configuration rejected: \(error)", metadata: metadata)
            throw ExitCode(78)  // EX_CONFIG
        } catch {
            logger.critical("cannot run: \(error)")
            throw ExitCode(1)
        }
    }
}

