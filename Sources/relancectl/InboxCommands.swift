import ArgumentParser
import Foundation
import RelanceAPI

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox", abstract: "Fired reminders that still need you (unread and read), newest first.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .long, help: "Include done, snoozed and dismissed items.") var all = false
    @Flag(name: .long, help: "Only unread items.") var unread = false
    @Option(name: .long, help: "At most this many.") var limit: Int = 100

    func validate() throws {
        if all && unread { throw ValidationError("--all and --unread exclude each other") }
    }

    func run() async throws {
        try await Self.reporting {
            let filter = all ? "all" : unread ? "unread" : "open"
            let reply = try await global.client.call(Inbox.self, .init(filter: filter, limit: limit))
            if global.json { return try Output.json(reply) }
            guard !reply.items.isEmpty else { return print("Inbox zero.") }
            Self.printTable(reply.items)
        }
    }

    static func printTable(_ items: [InboxItemInfo]) {
        Output.table(["ID", "FIRED", "STATE", "REMINDER"], items.map {
            ["\($0.id)", Output.time($0.firedAt) + ($0.late ? " (late)" : ""), $0.state, $0.text]
        })
    }
}

struct ReadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "read", abstract: "Mark inbox items read.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Inbox item ids.") var ids: [Int64]

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(MarkRead.self, .init(ids: ids))
            if global.json { return try Output.json(reply) }
            print("Marked \(reply.items.count) item\(reply.items.count == 1 ? "" : "s") read.")
        }
    }
}

struct DoneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "done", abstract: "Mark an inbox item done.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Inbox item id.") var id: Int64

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Done.self, .init(id: id))
            if global.json { return try Output.json(reply) }
            print("Done: \(reply.item.text)")
        }
    }
}

struct DismissCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dismiss", abstract: "Dismiss an inbox item.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Inbox item id.") var id: Int64

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Dismiss.self, .init(id: id))
            if global.json { return try Output.json(reply) }
            print("Dismissed: \(reply.item.text)")
        }
    }
}

struct SnoozeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snooze", abstract: "Hide an inbox item until later; it comes back unread once.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Inbox item id.") var id: Int64
    @Argument(help: "For how long (1d, 2h, P1D), until when (\"monday 9:00\"), or next-window.") var when: String

    func run() async throws {
        try await Self.reporting {
            var parameters = Snooze.Parameters(id: id)
            if when == "next-window" {
                parameters.nextWindow = true
            } else if let duration = try? WhenExpressionBridge.duration(when) {
                parameters.duration = duration
            } else {
                parameters.until = try Output.parseTime(when, parameter: "when", zone: try await global.client.userZone())
            }
            let reply = try await global.client.call(Snooze.self, parameters)
            if global.json { return try Output.json(reply) }
            print("Snoozed until \(Output.time(reply.item.snoozedUntil)): \(reply.item.text)")
        }
    }
}

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print inbox items as they fire, until interrupted.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Self.reporting {
            let json = global.json
            try await global.client.stream(Watch.self, Empty()) { reply in
                if json {
                    let encoder = VarlinkJSON.lineEncoder
                    print(String(decoding: try encoder.encode(reply.item), as: UTF8.self))
                } else {
                    print("\(Output.time(reply.item.firedAt))  #\(reply.item.id)  \(reply.item.text)")
                }
                fflush(nil)  // all streams: a pipe reader sees each item at once
            }
        }
    }
}
