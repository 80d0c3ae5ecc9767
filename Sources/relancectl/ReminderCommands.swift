import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore
import VarlinkProtocol

struct RemindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remind", abstract: "Set a reminder for an explicit time, or many from a file.",
        discussion: """
            Example: relancectl remind "2026-12-01 09:00" "Call the bakery"
            Many at once, all or none, in one transaction: relancectl remind --from reminders.jsonl
            where each line is a JSON object {"at": "tomorrow 9:30", "text": "Call Ada", "contact": "ada"}
            ("contact" optional; blank lines skipped; "-" reads standard input; at most \(ReminderBatch.maximumCount) lines).
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "When: \"2026-12-01 09:00\", \"tomorrow 9:30\", \"friday 14:00\", \"in 2h\".") var when: String?
    @Argument(help: "What to tell you.") var text: String?
    @Option(name: .long, help: ArgumentHelp("The contact it is about.", valueName: "contact")) var contact: String?
    @Option(name: .long, help: ArgumentHelp("Set every reminder of this JSON-lines file (- for standard input) in one transaction.",
                                            valueName: "file")) var from: String?

    func validate() throws {
        if from != nil {
            guard when == nil, text == nil, contact == nil else {
                throw ValidationError("--from takes its reminders from the file: give no time, text or --contact with it")
            }
        } else if when == nil || text == nil {
            throw ValidationError("give a time and a text (relancectl remind \"tomorrow 9:30\" \"Call Ada\"), or --from FILE")
        }
    }

    func run() async throws {
        try await Self.reporting {
            if let from { return try await remindMany(from) }
            guard let when, let text else { return }
            // The daemon reads `when` in the user's zone: one connection, one call.
            let reply = try await global.client.call(Remind.self, .init(at: when, text: text, contact: contact),
                                                     options: ["at": "when"])
            if global.json { return try Output.json(reply) }
            print("Reminder #\(reply.reminder.id) set for \(Output.time(reply.reminder.dueAt, in: Output.zone(reply.timeZone))).")
        }
    }

    /// `--from FILE`: one RemindMany call; an item the daemon refuses is named by its
    /// file and line ("reminders.jsonl:4: at: cannot read …").
    private func remindMany(_ path: String) async throws {
        let (reminders, lines) = try Self.read(path)
        let name = path == "-" ? "<stdin>" : path
        var options: [String: String] = ["reminders": name]
        for (index, line) in lines.enumerated() {
            for field in ["at", "text", "contact"] { options[ReminderBatch.field(index, field)] = "\(name):\(line): \(field)" }
        }
        let reply = try await global.client.call(RemindMany.self, .init(reminders: reminders), options: options)
        if global.json { return try Output.json(reply) }
        let range = reply.ids.count == 1 ? "#\(reply.ids[0])" : "#\(reply.ids.first ?? 0)–#\(reply.ids.last ?? 0)"
        print("Set \(reply.ids.count) reminder\(reply.ids.count == 1 ? "" : "s") (\(range)) in one transaction.")
    }

    /// The file's reminders and the line each came from; blank lines are skipped.
    static func read(_ path: String) throws -> ([RemindRequestInfo], [Int]) {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw CLIError(message: "\(path): cannot read the file", code: 66)
            }
            data = contents
        }
        let name = path == "-" ? "<stdin>" : path
        var reminders: [RemindRequestInfo] = []
        var lines: [Int] = []
        for (offset, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            do {
                reminders.append(try JSONCoding.decoder.decode(RemindRequestInfo.self, from: Data(line.utf8)))
            } catch {
                throw CLIError(message: """
                    \(name):\(offset + 1): not a reminder; write one JSON object per line, \
                    {"at": "tomorrow 9:30", "text": "Call Ada"} ("contact" optional)
                    """, code: 65)
            }
            lines.append(offset + 1)
        }
        do { try ReminderBatch.checkCount(reminders.count) } catch let error as RelanceCore.ValidationError {
            throw CLIError(message: "\(name): \(error.reason)", code: 65)
        }
        return (reminders, lines)
    }
}

struct UpcomingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "upcoming", abstract: "Pending reminders, earliest first.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "At most this many.") var limit: Int = 50
    @Flag(name: .long, help: "Also say why each is due when it is.") var why = false

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Upcoming.self, .init(limit: limit))
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            guard !reply.reminders.isEmpty else { return print("Nothing pending.") }
            Output.table(["REMINDER #", "FIRES", "KIND", "REMINDER"], reply.reminders.map {
                ["\($0.id)", Output.time($0.fireAt, in: zone), ReminderKind.words(for: $0.kind),
                 why ? "\($0.text)\n  why: \($0.reason)" : $0.text]
            })
        }
    }
}

struct MeetingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meeting", abstract: "Meetings you accepted: the place, time and date they offered.",
        subcommands: [MeetingAdd.self, MeetingList.self, MeetingAcceptCommand.self, MeetingMoveCommand.self, MeetingCancelCommand.self])
}

struct MeetingAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a meeting: reminders the day before, before leaving, and a thank-you note after.",
        discussion: "Example: relancectl meeting add ada --at \"2026-12-03 10:00\" --place \"Café Olimpico\" --duration PT45M")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Who: id or part of the name.") var contact: String
    @Option(name: .long, help: ArgumentHelp("When it starts.", valueName: "when")) var at: String
    @Option(name: .long, help: ArgumentHelp("Where.", valueName: "place")) var place: String
    @Option(name: .long, help: ArgumentHelp("How long (PT45M, 1h); default one hour.", valueName: "duration")) var duration: String?
    @Option(name: .long, help: ArgumentHelp("The outreach that led to it.", valueName: "id")) var outreach: Int64?
    @Option(name: .long, help: ArgumentHelp("Notes.", valueName: "text")) var notes: String?
    @Flag(name: .long, help: "Add it even if a meeting with them starts at the same time.") var force = false

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(AddMeeting.self, .init(
                contact: contact, at: at, place: place, duration: try duration.map { try WhenExpressionBridge.duration($0) },
                outreach: outreach, notes: notes, force: force ? true : nil), options: ["at": "--at"])
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            print("Meeting #\(reply.meeting.id) with \(reply.meeting.contactName) at \(reply.meeting.place), \(Output.time(reply.meeting.startsAt, in: zone)).")
            for reminder in reply.reminders { print("  \(Output.time(reminder.fireAt, in: zone))  \(reminder.text)") }
        }
    }
}

struct MeetingList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Upcoming meetings.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ListMeetings.self, Empty())
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            guard !reply.meetings.isEmpty else { return print("No meetings ahead.") }
            // A team node says who goes.
            let goers = reply.meetings.contains { $0.by != nil }
            Output.table(["MEETING #", "WHEN", "WITH"] + (goers ? ["BY"] : []) + ["WHERE"], reply.meetings.map {
                ["\($0.id)", Output.time($0.startsAt, in: zone), $0.contactName] + (goers ? [$0.by ?? "—"] : []) + [$0.place]
            })
        }
    }
}

struct EventCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "event", abstract: "Networking events: where you meet people.",
        subcommands: [EventAdd.self, EventList.self, EventEditCommand.self, EventRemoveCommand.self, EventSkipCommand.self])
}

struct EventAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add an event: reminders to RSVP, the day before, shortly before, and to log the people you met.",
        discussion: """
            Example: relancectl event add "Startup drinks" --at "2026-12-10 19:00" --until "2026-12-10 22:00" \
            --where "Station F" --repeat "FREQ=MONTHLY;BYDAY=2TH" --remind 7d,1d,2h
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "What it is.") var title: String
    @Option(name: .long, help: ArgumentHelp("When it starts (your zone unless --tz).", valueName: "when")) var at: String
    @Option(name: .long, help: ArgumentHelp("When it ends.", valueName: "when")) var until: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("Where.", valueName: "place")) var place: String?
    @Option(name: .long, help: ArgumentHelp("Web page or registration link.", valueName: "url")) var url: String?
    @Option(name: .long, help: ArgumentHelp("RSVP deadline.", valueName: "when")) var rsvpBy: String?
    @Option(name: .customLong("repeat"), help: ArgumentHelp("RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=TH.", valueName: "rrule")) var rrule: String?
    @Option(name: .customLong("except"), help: ArgumentHelp("An occurrence to skip, \"2027-01-14 19:00\" (repeatable).", valueName: "when")) var exdates: [String] = []
    @Option(name: .customLong("also"), help: ArgumentHelp("An extra occurrence (repeatable).", valueName: "when")) var rdates: [String] = []
    @Option(name: .long, help: ArgumentHelp("Reminders before it: 7d,1d,2h (default from the configuration).", valueName: "list")) var remind: String?
    @Option(name: .customLong("tz"), help: ArgumentHelp("The event's IANA zone (default yours).", valueName: "zone")) var timeZone: String?
    @Flag(name: .long, help: "A whole-day event: --at, --until, --except and --also are days (\"2026-12-10\"), --until the last one (default: that day only).")
    var allDay = false

    func run() async throws {
        try await Self.reporting {
            if let timeZone, TimeZone(identifier: timeZone) == nil {
                throw CLIError(message: "--tz '\(timeZone)' is not an IANA time zone", code: 64)
            }
            // The daemon reads the times in the event's zone (--tz, else yours).
            var options = ["start": "--at", "until": "--until", "rsvpBy": "--rsvp-by", "timeZone": "--tz"]
            for index in exdates.indices { options["exdates[\(index)]"] = "--except" }
            for index in rdates.indices { options["rdates[\(index)]"] = "--also" }
            let reply = try await global.client.call(AddEvent.self, .init(
                title: title, start: at, timeZone: timeZone, until: until, place: place, url: url,
                rsvpBy: rsvpBy, rrule: rrule,
                exdates: exdates.isEmpty ? nil : exdates, rdates: rdates.isEmpty ? nil : rdates,
                reminders: try remind.map { try $0.split(separator: ",").map { try WhenExpressionBridge.duration(String($0)) } },
                allDay: allDay ? true : nil),
                options: options)
            if global.json { return try Output.json(reply) }
            let userZone = Output.zone(reply.timeZone)
            let when = allDay ? "all day \(reply.event.start.prefix(10))" + (reply.event.rrule == nil ? "" : " (repeats)")
                : reply.event.nextOccurrences.first.map { Output.time($0, in: userZone) } ?? "no upcoming occurrence"
            print("Event #\(reply.event.id): \(reply.event.title), \(when).")
            for reminder in reply.reminders { print("  \(Output.time(reminder.fireAt, in: userZone))  \(reminder.text)") }
        }
    }
}

struct EventList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Events and their next occurrences.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ListEvents.self, Empty())
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            guard !reply.events.isEmpty else { return print("No events.") }
            Output.table(["EVENT #", "NEXT", "EVENT", "WHERE", "REPEATS"], reply.events.map {
                ["\($0.id)", $0.allDay == true ? Output.allDay($0.nextOccurrences.first, in: zone) : Output.time($0.nextOccurrences.first, in: zone), $0.title, $0.place ?? "—", $0.rrule ?? "—"]
            })
        }
    }
}
