import ArgumentParser
import Foundation
import RelanceAPI

struct OutreachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outreach",
        abstract: "Log the asks you send and list them.",
        subcommands: [OutreachLog.self, OutreachList.self])
}

struct OutreachLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Record an ask you sent; a polite follow-up reminder is scheduled.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Who you wrote to: id or part of the name.") var contact: String
    @Option(name: .long, help: ArgumentHelp("What you asked for, e.g. \"a 20-minute coffee chat\".", valueName: "text")) var ask: String
    @Option(name: .long, help: ArgumentHelp("How you sent it (email, linkedin, …).", valueName: "channel")) var channel: String = "email"
    @Option(name: .long, help: ArgumentHelp("When you sent it (default: now).", valueName: "when")) var sentAt: String?
    @Option(name: .long, help: ArgumentHelp("Delay before the follow-up, ISO 8601 (P7D, PT2S); default from the configuration.", valueName: "duration")) var followUp: String?

    func run() async throws {
        try await Self.reporting {
            let sent = try sentAt.map { try Output.parseTime($0, parameter: "--sent-at") }
            let reply = try await global.client.call(LogOutreach.self, .init(
                contact: contact, ask: ask, channel: channel, sentAt: sent, followUp: followUp))
            if global.json { return try Output.json(reply) }
            print("Logged outreach #\(reply.outreach.id) to \(reply.outreach.contactName). Follow-up due \(Output.time(reply.followUp.dueAt)).")
        }
    }
}

struct OutreachList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List outreach attempts, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp("Only this contact.", valueName: "contact")) var contact: String?
    @Option(name: .long, help: ArgumentHelp("Only this status: awaiting_reply, replied, declined, meeting_agreed, closed, no_reply.", valueName: "status")) var status: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ListOutreach.self, .init(contact: contact, status: status))
            if global.json { return try Output.json(reply) }
            guard !reply.outreach.isEmpty else { return print("No outreach logged. Log one: relancectl outreach log ada --ask \"a 20-minute coffee chat\"") }
            Self.printTable(reply.outreach)
        }
    }

    static func printTable(_ outreach: [OutreachInfo]) {
        Output.table(["ID", "CONTACT", "SENT", "CHANNEL", "STATUS", "ASK"], outreach.map {
            ["\($0.id)", $0.contactName, Output.time($0.sentAt), $0.channel, $0.status.replacingOccurrences(of: "_", with: " "), $0.ask]
        })
    }
}

struct ReplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply", abstract: "Record how an outreach ended; its pending follow-ups are cancelled.")

    enum Outcome: String, EnumerableFlag {
        case replied, declined, meeting, closed
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outreach id (see `relancectl outreach list`).") var outreach: Int64
    @Flag(help: "What happened.") var outcome: Outcome
    @Option(name: .long, help: ArgumentHelp("When (default: now).", valueName: "when")) var at: String?

    func run() async throws {
        try await Self.reporting {
            let when = try at.map { try Output.parseTime($0, parameter: "--at") }
            let reply = try await global.client.call(RecordReply.self, .init(outreach: outreach, outcome: outcome.rawValue, at: when))
            if global.json { return try Output.json(reply) }
            let cancelled = reply.cancelledReminders
            print("Outreach #\(reply.outreach.id) to \(reply.outreach.contactName): \(reply.outreach.status.replacingOccurrences(of: "_", with: " "))."
                  + (cancelled > 0 ? " Cancelled \(cancelled) pending follow-up\(cancelled == 1 ? "" : "s")." : ""))
        }
    }
}
