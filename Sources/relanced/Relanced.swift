import ArgumentParser
import Foundation
import Logging
import RelanceAPI
import RelanceDaemon

/// relanced: keeps your networking outreach from falling through the cracks.
/// The only place that wires everything together.
@main
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

    @Option(name: .long, help: ArgumentHelp("Least severe log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("unknown log level '\(logLevel)'; use trace, debug, info, notice, warning, error or critical")
        }
    }

    func run() async throws {
        let paths = RelancePaths()
        let configPath = config ?? paths.configFile
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
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "relanced")
        let options = Daemon.Options(configPath: configPath, configRequired: config != nil,
                                     databasePath: database, socketPath: socket)
        do {
            try await Daemon(options: options, paths: paths, logger: logger).run()
        } catch let error as ConfigurationError {
            logger.critical("configuration rejected: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        } catch {
            logger.critical("cannot run: \(error)")
            throw ExitCode(1)
        }
    }
}

