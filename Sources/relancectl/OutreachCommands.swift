import ArgumentParser
import Foundation
import RelanceAPI

struct OutreachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outreach",
        abstract: "Log the asks you send and list them.",
        subcommands: [OutreachLog.self, OutreachList.self, OutreachFollowUp.self, OutreachEditCommand.self,
                      OutreachCancelCommand.self])
}

struct OutreachLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "Record an ask you sent; a polite follow-up reminder is scheduled.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Who you wrote to: id or part of the name.") var contact: String
    @Option(name: .long, help: ArgumentHelp("What you asked for, e.g. \"a 20-minute coffee chat\".", valueName: "text")) var ask: String
    @Option(name: .long, help: ArgumentHelp("How you sent it (email, linkedin, …).", valueName: "channel")) var channel: String = "email"
    @Option(name: .long, help: ArgumentHelp("When you sent it (default: now).", valueName: "when")) var sentAt: String?
    @Option(name: .long, help: ArgumentHelp("Follow-up sequence: gentle, standard or persistent (default from the configuration).", valueName: "policy")) var policy: String?
    @Option(name: .long, help: ArgumentHelp("Waits before each nudge instead: 7bd,10bd (business days) or P7D, PT2S.", valueName: "waits")) var followUp: String?
    @Option(name: .long, help: ArgumentHelp("Wait after the last nudge before letting go (10bd), or never.", valueName: "wait")) var letGo: String?
    @Option(name: .long, help: ArgumentHelp("The Message-ID of the mail you sent (from its headers), so `draft --mail` replies in its thread.",
                                            valueName: "id")) var messageId: String?
    @Flag(name: .long, help: "On a team node: log it even though someone else in the team awaits their reply.") var anyway = false

    func run() async throws {
        try await Self.reporting {
            var parameters = LogOutreach.Parameters(contact: contact, ask: ask, channel: channel, sentAt: sentAt, policy: policy)
            parameters.messageId = messageId
            if anyway { parameters.anyway = true }
            if let followUp { parameters.steps = try followUp.split(separator: ",").map { try Self.wait(String($0), "--follow-up") } }
            if let letGo {
                if letGo == "never" { parameters.neverLetGo = true } else { parameters.letGo = try Self.wait(letGo, "--let-go") }
            }
            let reply = try await global.client.call(LogOutreach.self, parameters, options: ["sentAt": "--sent-at"])
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            let next = reply.followUp.map { "First follow-up \(Output.time($0.fireAt, in: zone)) (\($0.reason))." } ?? "No follow-up scheduled."
            print("Logged outreach #\(reply.outreach.id) to \(reply.outreach.contactName). \(next)")
        }
    }

    /// "7bd" → business days; anything else → an ISO 8601 duration ("2h" → PT2H).
    static func wait(_ text: String, _ option: String) throws -> WaitInfo {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.hasSuffix("bd"), let days = Int(trimmed.dropLast(2)) { return WaitInfo(businessDays: days) }
        do {
            return WaitInfo(duration: try WhenExpressionBridge.duration(text.trimmingCharacters(in: .whitespaces)))
        } catch {
            throw CLIError(message: "\(option) '\(text)': write business days as 7bd, or a duration as P7D, PT4H, 2h", code: 64)
        }
    }
}

struct OutreachList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List outreach attempts, newest first.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp("Only this contact.", valueName: "contact")) var contact: String?
    @Option(name: .long, help: ArgumentHelp("Only this status: awaiting_reply, replied, declined, meeting_agreed, closed, no_reply, withdrawn.", valueName: "status")) var status: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ListOutreach.self, .init(contact: contact, status: status))
            if global.json { return try Output.json(reply) }
            guard !reply.outreach.isEmpty else { return print("No outreach logged. Log one: relancectl outreach log ada --ask \"a 20-minute coffee chat\"") }
            Self.printTable(reply.outreach, zone: Output.zone(reply.timeZone))
        }
    }

    static func printTable(_ outreach: [OutreachInfo], zone: TimeZone) {
        // A team node says who sent each; a personal daemon has only you.
        let authors = outreach.contains { $0.by != nil }
        Output.table(["OUTREACH #", "CONTACT", "SENT"] + (authors ? ["BY"] : []) + ["CHANNEL", "STATUS", "ASK"], outreach.map {
            ["\($0.id)", $0.contactName, Output.time($0.sentAt, in: zone)] + (authors ? [$0.by ?? "—"] : [])
                + [$0.channel, $0.status.replacingOccurrences(of: "_", with: " "), $0.ask]
        })
    }
}

struct ReplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reply", abstract: "Record how an outreach ended; its pending follow-ups are cancelled.")

    enum Outcome: String, EnumerableFlag {
        case replied, declined, meeting, closed
        case autoReply = "auto_reply"
        case bounce

        static func name(for value: Outcome) -> NameSpecification {
            value == .autoReply ? .customLong("auto-reply") : .long
        }
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outreach id (see `relancectl outreach list`).") var outreach: Int64
    @Flag(help: "What happened (--auto-reply and --bounce are no reply: the sequence goes on).") var outcome: Outcome
    @Option(name: .long, help: ArgumentHelp("When they answered (default: now); with --meeting, when the meeting is.", valueName: "when")) var at: String?
    @Option(name: .long, help: ArgumentHelp("With --meeting: where.", valueName: "place")) var place: String?
    @Option(name: .long, help: ArgumentHelp("With --meeting: how long (PT45M); default one hour.", valueName: "duration")) var duration: String?

    func run() async throws {
        try await Self.reporting {
            let when = at
            var parameters = RecordReply.Parameters(outreach: outreach, outcome: outcome.rawValue)
            if outcome == .meeting, place != nil {
                parameters.meetingAt = when
                parameters.place = place
                parameters.duration = try duration.map { try WhenExpressionBridge.duration($0) }
            } else {
                parameters.at = when
            }
            let reply = try await global.client.call(RecordReply.self, parameters, options: ["at": "--at", "meetingAt": "--at"])
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            let cancelled = reply.cancelledReminders
            print("Outreach #\(reply.outreach.id) to \(reply.outreach.contactName): \(reply.outreach.status.replacingOccurrences(of: "_", with: " "))."
                  + (cancelled > 0 ? " Cancelled \(cancelled) pending follow-up\(cancelled == 1 ? "" : "s")." : "")
                  + (reply.meeting.map { " Meeting #\($0.id) at \($0.place), \(Output.time($0.startsAt, in: zone))." } ?? ""))
        }
    }
}

struct OutreachFollowUp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow-up", abstract: "Record a follow-up you sent: the sequence moves on from then.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outreach id.") var outreach: Int64
    @Option(name: .long, help: ArgumentHelp("When you sent it (default: now).", valueName: "when")) var at: String?
    @Option(name: .long, help: ArgumentHelp("What you wrote.", valueName: "text")) var note: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(LogFollowUp.self, .init(outreach: outreach, at: at, note: note),
                                                     options: ["at": "--at"])
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            let next = reply.next.map { "Next: \(Output.time($0.fireAt, in: zone)) — \($0.text)." } ?? "Nothing more scheduled."
            print("Follow-up \(reply.outreach.followUpsSent) to \(reply.outreach.contactName) logged. \(next)")
        }
    }
}
