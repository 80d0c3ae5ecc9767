import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore

// Day two: correcting, cancelling and removing what was logged. Each command is one
// method and one store transaction; the reply's summary says what changed.

struct OutreachEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Correct an outreach; its pending follow-up is planned again.",
        discussion: "Example: relancectl outreach edit 3 --sent \"2026-11-30 09:00\" --follow-up 5bd")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outreach id.") var outreach: Int64
    @Option(name: .long, help: ArgumentHelp("What you asked for.", valueName: "text")) var ask: String?
    @Option(name: .long, help: ArgumentHelp("How you sent it.", valueName: "channel")) var channel: String?
    @Option(name: [.customLong("sent"), .customLong("sent-at")], help: ArgumentHelp("When you sent it.", valueName: "when")) var sentAt: String?
    @Option(name: .long, help: ArgumentHelp("Follow-up sequence: gentle, standard or persistent.", valueName: "policy")) var policy: String?
    @Option(name: .long, help: ArgumentHelp("Waits before each nudge: 7bd,10bd or P7D.", valueName: "waits")) var followUp: String?
    @Option(name: .long, help: ArgumentHelp("Wait after the last nudge before letting go (10bd), or never.", valueName: "wait")) var letGo: String?

    func run() async throws {
        try await Self.reporting {
            var parameters = UpdateOutreach.Parameters(outreach: outreach, ask: ask, channel: channel, sentAt: sentAt, policy: policy)
            if let followUp { parameters.steps = try followUp.split(separator: ",").map { try OutreachLog.wait(String($0), "--follow-up") } }
            if let letGo {
                if letGo == "never" { parameters.neverLetGo = true } else { parameters.letGo = try OutreachLog.wait(letGo, "--let-go") }
            }
            let reply = try await global.client.call(UpdateOutreach.self, parameters, options: ["sentAt": "--sent"])
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            print("Outreach #\(reply.outreach.id) to \(reply.outreach.contactName): \(reply.summary).")
            if let next = reply.next { print("  \(Output.time(next.fireAt, in: zone))  \(next.text)\n  why: \(next.reason)") }
        }
    }
}

struct OutreachCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Withdraw an outreach: no more nudges; it stays in the history as withdrawn.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outreach id.") var outreach: Int64

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(CancelOutreach.self, .init(outreach: outreach))
            if global.json { return try Output.json(reply) }
            print("Outreach #\(reply.outreach.id) to \(reply.outreach.contactName): \(reply.summary).")
        }
    }
}

struct MeetingMoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Move a meeting; its reminders are planned again.",
        discussion: "Example: relancectl meeting move 2 --at \"2026-12-04 10:00\" --place \"Café Kitsuné\"")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The meeting id (see `relancectl meeting list`).") var meeting: Int64
    @Option(name: .long, help: ArgumentHelp("When it now starts.", valueName: "when")) var at: String?
    @Option(name: .long, help: ArgumentHelp("Where it now is.", valueName: "place")) var place: String?
    @Option(name: .long, help: ArgumentHelp("How long it now lasts (PT45M, 1h).", valueName: "duration")) var duration: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(MoveMeeting.self, .init(
                meeting: meeting, at: at, place: place, duration: try duration.map { try WhenExpressionBridge.duration($0) }),
                options: ["at": "--at"])
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            print("Meeting #\(reply.meeting.id) with \(reply.meeting.contactName): \(reply.summary).")
            for reminder in reply.reminders { print("  \(Output.time(reminder.fireAt, in: zone))  \(reminder.text)") }
        }
    }
}

struct MeetingCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a meeting: its pending reminders are cancelled and it is removed.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The meeting id.") var meeting: Int64
    @Flag(name: .long, help: "Also print a short \"sorry, I have to cancel\" message for you to send.") var draft = false

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(CancelMeeting.self, .init(meeting: meeting, draft: draft ? true : nil))
            if global.json { return try Output.json(reply) }
            print("Meeting #\(reply.meeting.id) with \(reply.meeting.contactName) (\(Output.time(reply.meeting.startsAt, in: Output.zone(reply.timeZone)))): \(reply.summary).")
            if let text = reply.draft { print("\n\(text)") }
        }
    }
}

struct EventEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit", abstract: "Change an event; the reminders of its future occurrences are planned again.",
        discussion: "Example: relancectl event edit 1 --at \"2026-12-10 19:30\" --where \"Station F, hall 2\"")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event id (see `relancectl event list`).") var event: Int64
    @Option(name: .long, help: ArgumentHelp("What it is.", valueName: "title")) var title: String?
    @Option(name: .long, help: ArgumentHelp("When the first occurrence starts (the event's zone).", valueName: "when")) var at: String?
    @Option(name: .long, help: ArgumentHelp("How long (PT2H, 90m).", valueName: "duration")) var duration: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("Where; \"\" clears it.", valueName: "place")) var place: String?
    @Option(name: .long, help: ArgumentHelp("Web page; \"\" clears it.", valueName: "url")) var url: String?
    @Option(name: .long, help: ArgumentHelp("RSVP deadline.", valueName: "when")) var rsvpBy: String?
    @Option(name: .customLong("repeat"), help: ArgumentHelp("RRULE; \"\" makes it a single event.", valueName: "rrule")) var rrule: String?
    @Option(name: .long, help: ArgumentHelp("Reminders before it: 7d,1d,2h.", valueName: "list")) var remind: String?
    @Option(name: .customLong("tz"), help: ArgumentHelp("The event's IANA zone.", valueName: "zone")) var timeZone: String?

    func run() async throws {
        try await Self.reporting {
            // The daemon reads --at and --rsvp-by in the event's zone (--tz, else its own):
            // no call to learn that zone first.
            let reply = try await global.client.call(UpdateEvent.self, .init(
                event: event, title: title, start: at, timeZone: timeZone,
                duration: try duration.map { try WhenExpressionBridge.duration($0) }, place: place, url: url,
                rsvpBy: rsvpBy, rrule: rrule,
                reminders: try remind.map { try $0.split(separator: ",").map { try WhenExpressionBridge.duration(String($0)) } }),
                options: ["start": "--at", "rsvpBy": "--rsvp-by", "timeZone": "--tz"])
            if global.json { return try Output.json(reply) }
            print("Event #\(reply.event.id) \(reply.event.title): \(reply.summary).")
            for reminder in reply.reminders { print("  \(Output.time(reminder.fireAt, in: Output.zone(reply.timeZone)))  \(reminder.text)") }
        }
    }
}

struct EventRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove an event and cancel its pending reminders.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event id.") var event: Int64

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(RemoveEvent.self, .init(event: event))
            if global.json { return try Output.json(reply) }
            print("Event #\(reply.event.id) \(reply.event.title): \(reply.summary).")
        }
    }
}

struct EventSkipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip", abstract: "Skip one occurrence of a repeating event; the rest of the series stays.",
        discussion: "Example: relancectl event skip 1 --at \"2026-12-10 19:00\"")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The event id.") var event: Int64
    @Option(name: .long, help: ArgumentHelp("The occurrence's start, in the event's zone: \"2026-12-10 19:00\".", valueName: "when")) var at: String

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(SkipOccurrence.self, .init(event: event, at: at), options: ["at": "--at"])
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            print("Event #\(reply.event.id) \(reply.event.title): \(reply.summary).")
            for reminder in reply.reminders { print("  \(Output.time(reminder.fireAt, in: zone))  \(reminder.text)") }
        }
    }
}

struct ReminderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reminder", abstract: "Cancel or move any pending reminder (see `relancectl upcoming`).",
        subcommands: [ReminderCancelCommand.self, ReminderMoveCommand.self])
}

struct ReminderCancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a pending reminder: it never fires.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The reminder id.") var id: Int64

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(CancelReminder.self, .init(id: id))
            if global.json { return try Output.json(reply) }
            print("\(reply.summary.prefix(1).uppercased())\(reply.summary.dropFirst()): \(reply.reminder.text)")
        }
    }
}

struct ReminderMoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Move a pending reminder to another time; it fires then.",
        discussion: "Example: relancectl reminder move 12 \"tomorrow 9:30\"")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The reminder id.") var id: Int64
    @Argument(help: "When: \"2026-12-01 09:00\", \"tomorrow 9:30\", \"in 2h\".") var when: String

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(MoveReminder.self, .init(id: id, at: when), options: ["at": "when"])
            if global.json { return try Output.json(reply) }
            print("\(reply.summary.prefix(1).uppercased())\(reply.summary.dropFirst()): \(reply.reminder.text)")
        }
    }
}
