import ArgumentParser
import Foundation
import RelanceAPI

struct RemindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remind", abstract: "Set a reminder for an explicit time.",
        discussion: "Example: relancectl remind \"2026-12-01 09:00\" \"Call the bakery\"")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "When: \"2026-12-01 09:00\", \"tomorrow 9:30\", \"friday 14:00\", \"in 2h\".") var when: String
    @Argument(help: "What to tell you.") var text: String
    @Option(name: .long, help: ArgumentHelp("The contact it is about.", valueName: "contact")) var contact: String?

    func run() async throws {
        try await Self.reporting {
            let at = try Output.parseTime(when, parameter: "when")
            let reply = try await global.client.call(Remind.self, .init(at: at, text: text, contact: contact))
            if global.json { return try Output.json(reply) }
            print("Reminder #\(reply.reminder.id) set for \(Output.time(reply.reminder.dueAt)).")
        }
    }
}

struct UpcomingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "upcoming", abstract: "Pending reminders, earliest first.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "At most this many.") var limit: Int = 50

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Upcoming.self, .init(limit: limit))
            if global.json { return try Output.json(reply) }
            guard !reply.reminders.isEmpty else { return print("Nothing pending.") }
            Output.table(["ID", "DUE", "KIND", "REMINDER"], reply.reminders.map {
                ["\($0.id)", Output.time($0.dueAt), $0.kind.replacingOccurrences(of: "_", with: "-"), $0.text]
            })
        }
    }
}
