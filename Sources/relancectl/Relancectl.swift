import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore

/// relancectl: the control client. Talks to relanced only through io.relance.Control.
struct Relancectl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relancectl",
        abstract: "Control Relance: contacts, outreach, follow-ups and your reminder inbox.",
        discussion: """
            Contacts can be named by id or by any part of their name that matches no one else \
            ("ada" for Ada Lovelace). Times are read in your time zone: "2026-12-01 09:00", \
            "tomorrow 9:30", "friday 14:00", "in 2h". Waits are ISO 8601 durations (P7D, PT4H) or \
            business days (7bd). Add --json to any command for stable, \
            machine-readable output.
            """,
        version: "0.1.0",
        subcommands: [
            ContactCommand.self, OutreachCommand.self, ReplyCommand.self, MeetingCommand.self, EventCommand.self,
            RemindCommand.self, ReminderCommand.self,
            UpcomingCommand.self, InboxCommand.self, ReadCommand.self, DoneCommand.self,
            DismissCommand.self, SnoozeCommand.self, WatchCommand.self, StatusCommand.self,
            ReloadCommand.self, TestNotifyCommand.self, AgendaCommand.self, DraftCommand.self,
            BackupCommand.self, RestoreCommand.self, SnapshotsCommand.self, ImportCommand.self, HolidaysCommand.self, ExportCommand.self,
            IngestCommand.self, MeCommand.self, MigrateCommand.self,
        ])
}

/// The entry point: an unknown subcommand gets "did you mean" instead of a bare
/// "unexpected argument", then ArgumentParser parses and runs.
@main
enum RelancectlMain {
    static func main() async {
        if let message = unknownSubcommand(CommandLine.arguments.dropFirst()) {
            FileHandle.standardError.write(Data(message.utf8))
            Foundation.exit(64)
        }
        await Relancectl.main()
    }

    /// The message for the first word that names no subcommand where one is expected.
    static func unknownSubcommand(_ arguments: ArraySlice<String>) -> String? {
        var command: any ParsableCommand.Type = Relancectl.self
        var path = ["relancectl"]
        for argument in arguments {
            if argument.hasPrefix("-") || argument == "help" { return nil }
            let subcommands = command.configuration.subcommands
            if subcommands.isEmpty { return nil }
            let names = subcommands.map { $0.configuration.commandName ?? "" }
            guard let index = names.firstIndex(of: argument) else {
                let suggestions = Spelling.suggestions(for: argument, among: names)
                let hint = suggestions.isEmpty ? "commands: \(names.joined(separator: ", "))"
                    : "did you mean " + suggestions.map { "'\($0)'" }.joined(separator: " or ") + "?"
                return "\(path.joined(separator: " ")): unknown command '\(argument)'; \(hint)\n"
            }
            command = subcommands[index]
            path.append(argument)
        }
        return nil
    }
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The daemon's control socket (default: $RELANCE_SOCKET, else the XDG path).", valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's reply as JSON.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the daemon's answer.", valueName: "seconds"))
    var timeout: Int = 15

    /// --socket, else $RELANCE_SOCKET, else the default path.
    var socketPath: String {
        socket ?? ProcessInfo.processInfo.environment["RELANCE_SOCKET"] ?? RelancePaths().controlSocket
    }

    var client: ControlClient { ControlClient(socketPath: socketPath, timeout: .seconds(timeout)) }
}
