import ArgumentParser
import Foundation
import RelanceAPI

/// relancectl: the control client. Talks to relanced only through io.relance.Control.
@main
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
            RemindCommand.self,
            UpcomingCommand.self, InboxCommand.self, ReadCommand.self, DoneCommand.self,
            DismissCommand.self, SnoozeCommand.self, WatchCommand.self, StatusCommand.self,
            ReloadCommand.self, TestNotifyCommand.self,
        ])
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
