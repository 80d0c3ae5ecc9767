import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore
import VarlinkProtocol

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The daemon's state in one glance.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Status.self, Empty())
            if global.json { return try Output.json(reply) }
            let zone = TimeZone(identifier: reply.timeZone) ?? TimeZone(identifier: "Etc/UTC")!
            print("relanced \(reply.version), running since \(Output.time(reply.startedAt, in: zone))")
            print("  contacts:         \(reply.contacts)")
            print("  awaiting reply:   \(reply.awaitingReply)")
            print("  pending:          \(reply.pendingReminders)")
            print("  unread:           \(reply.unread)")
            if let next = reply.nextDueAt {
                print("  next:             \(Output.time(next, in: zone)) — \(reply.nextDueText ?? "")")
            }
            print("  database:         \(reply.database)")
            print("  time zone:        \(reply.timeZone)")
            for channel in reply.channels {
                print("  \(channel.name):".padding(toLength: 20, withPad: " ", startingAt: 0)
                      + (channel.available ? "available" : "unavailable — \(channel.reason ?? "")"))
            }
            for source in reply.mailSources ?? [] {
                var line = "  mail source:      \(source.name): \(source.state)"
                if let detail = source.detail { line += " — \(detail)" }
                if let next = source.nextAttemptAt, let date = ISO8601DateFormatter().date(from: next) {
                    line += "; next attempt \(Output.time(date, in: zone))"
                }
                print(line)
            }
        }
    }
}

struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reload", abstract: "Make the daemon re-read its configuration.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Self.reporting {
            _ = try await global.client.call(Reload.self, Empty())
            if global.json { return try Output.json(Empty()) }
            print("Configuration reloaded.")
        }
    }
}

/// Small helpers over core parsing for the CLI.
enum WhenExpressionBridge {
    /// The ISO 8601 form of a duration typed as `1d`, `2h` or `P1D`.
    static func duration(_ text: String) throws -> String {
        try WhenExpression.parseDuration(text).description
    }
}
