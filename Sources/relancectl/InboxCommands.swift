import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore
import VarlinkProtocol

struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox", abstract: "Fired reminders that still need you (unread and read), newest first.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .long, help: "Include done, snoozed and dismissed items.") var all = false
    @Flag(name: .long, help: "Only unread items.") var unread = false
    @Option(name: .long, help: "At most this many.") var limit: Int = 100
    @Option(name: .long, help: ArgumentHelp("Only items fired since then (\"monday\", \"2026-12-01\").", valueName: "when")) var since: String?

    func validate() throws {
        if all && unread { throw ValidationError("--all and --unread exclude each other") }
    }

    func run() async throws {
        try await Self.reporting {
            let filter = all ? "all" : unread ? "unread" : "open"
            // The daemon reads --since looking back: "monday" is the last Monday.
            let reply = try await global.client.call(Inbox.self, .init(filter: filter, limit: limit, since: since),
                                                     options: ["since": "--since"])
            if global.json { return try Output.json(reply) }
            guard !reply.items.isEmpty else { return print("Inbox zero.") }
            Self.printTable(reply.items, zone: Output.zone(reply.timeZone))
        }
    }

    static func printTable(_ items: [InboxItemInfo], zone: TimeZone) {
        // Every number says what it numbers: the item's own (for done, snooze, read) and,
        // on a follow-up, its outreach's (for reply, draft, outreach follow-up).
        Output.table(["ITEM #", "FIRED", "STATE", "REMINDER", "DELIVERED"], items.map {
            ["\($0.id)", Output.time($0.firedAt, in: zone) + ($0.late ? " (late)" : ""), $0.state,
             $0.text + ($0.outreachId.map { " (outreach #\($0))" } ?? ""), deliveries($0.deliveries, zone: zone)]
        })
    }

    /// "desktop 09:00:01 ✓ · mail 09:00:02 ✓ (digest)", "mail … ✗ 3 tries".
    static func deliveries(_ list: [DeliveryInfo], zone: TimeZone) -> String {
        guard !list.isEmpty else { return "—" }
        return list.map { delivery in
            if let sent = delivery.sentAt {
                return "\(delivery.channel) \(HumanTime.clockWithSeconds(sent, in: zone)) \(Output.ok)" + (delivery.digest ? " (digest)" : "")
            }
            if delivery.state == "cancelled" { return "\(delivery.channel) not needed" }
            return "\(delivery.channel) \(Output.failed) \(delivery.attempts) tr\(delivery.attempts == 1 ? "y" : "ies")"
        }.joined(separator: " · ")
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
        try await Self.closing(Done.self, id: id, global: global, saying: "Done")
    }
}

struct DismissCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dismiss", abstract: "Dismiss an inbox item.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Inbox item id.") var id: Int64

    func run() async throws {
        try await Self.closing(Dismiss.self, id: id, global: global, saying: "Dismissed")
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
                parameters.until = when
            }
            let reply = try await global.client.call(Snooze.self, parameters, options: ["until": "when"])
            if global.json { return try Output.json(reply) }
            print("Snoozed until \(Output.time(reply.item.snoozedUntil, in: Output.zone(reply.timeZone))): \(reply.item.text)")
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
                    print(String(decoding: try JSONCoding.encoder.encode(reply.item), as: UTF8.self))
                } else {
                    print("\(Output.time(reply.item.firedAt, in: Output.zone(reply.timeZone)))  #\(reply.item.id)  \(reply.item.text)")
                }
                fflush(nil)  // all streams: a pipe reader sees each item at once
            }
        }
    }
}

struct TestNotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-notify", abstract: "Send a test notification through the real path of each channel.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp("Only this channel: desktop or mail.", valueName: "channel")) var channel: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(TestNotify.self, .init(channel: channel))
            if global.json { return try Output.json(reply) }
            guard !reply.results.isEmpty else { return print("No delivery channel is configured ([desktop], [mail]).") }
            for result in reply.results {
                print(result.available ? "\(result.name): sent \(Output.ok)"
                                       : "\(result.name): not sent \(Output.failed) — \(Self.reason(result.reason ?? "", channel: result.name))")
            }
            if reply.results.contains(where: { !$0.available }) { throw ExitCode(1) }
        }
    }
}

extension TestNotifyCommand {
    /// The reason without the channel's name again ("desktop: no session bus" under
    /// "desktop:" reads twice).
    static func reason(_ text: String, channel: String) -> String {
        text.hasPrefix("\(channel): ") ? String(text.dropFirst(channel.count + 2)) : text
    }
}

extension Optional {
    /// `map` with an async transform.
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

extension ParsableCommand {
    /// Done and Dismiss: the same call shape, one inbox item in and out.
    static func closing<M: ControlMethod>(_ method: M.Type, id: Int64, global: GlobalOptions, saying verb: String) async throws
    where M.Parameters == InboxItemReference, M.Reply == InboxItemReply {
        try await reporting {
            let reply = try await global.client.call(method, InboxItemReference(id: id))
            if global.json { return try Output.json(reply) }
            print("\(verb): \(reply.item.text)")
        }
    }
}
