import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore

struct AgendaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agenda",
        abstract: "What is coming — follow-ups, meetings, events, keep-in-touch — day by day in your zone.")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "How many days ahead.") var days: Int = 7

    /// One line of the agenda.
    struct Entry: Codable {
        var at: Date
        var kind: String
        var text: String
    }

    /// One day of the agenda (`--json`).
    struct Day: Codable {
        var date: String
        var entries: [Entry]
    }

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days must be between 1 and 366") }
    }

    func run() async throws {
        try await Self.reporting {
            let client = global.client
            let zone = try await client.userZone()
            let now = ProcessClock.now()
            let end = LocalDate(now, in: zone).adding(days: days).at(LocalTimeOfDay(hour: 0), in: zone)
            var entries: [Entry] = []
            let reminders = try await client.call(Upcoming.self, .init(limit: 10_000, until: end)).reminders
            entries += reminders.map { Entry(at: $0.fireAt, kind: $0.kind, text: $0.text) }
            let meetings = try await client.call(ListMeetings.self, Empty()).meetings
            entries += meetings.filter { $0.startsAt < end }.map {
                Entry(at: $0.startsAt, kind: "meeting", text: "Meeting with \($0.contactName) at \($0.place)")
            }
            let events = try await client.call(ListEvents.self, Empty()).events
            for event in events {
                for start in event.nextOccurrences where start < end {
                    entries.append(Entry(at: start, kind: "event", text: event.title + (event.place.map { " at \($0)" } ?? "")))
                }
            }
            entries.sort { $0.at != $1.at ? $0.at < $1.at : $0.kind < $1.kind }
            let grouped = Dictionary(grouping: entries) { LocalDate($0.at, in: zone) }
            let days = grouped.keys.sorted().map { Day(date: $0.description, entries: grouped[$0]!) }
            if global.json { return try Output.json(days) }
            guard !days.isEmpty else { return print("Nothing in the next \(self.days) days.") }
            for (index, day) in days.enumerated() {
                if index > 0 { print("") }
                let date = LocalDate(day.date)!.at(LocalTimeOfDay(hour: 12), in: zone)
                print(Output.bold(Planner.format(date, zone, "EEEE d MMMM")))
                for entry in day.entries {
                    let kind = ReminderKind.words(for: entry.kind)
                    print("  \(Planner.format(entry.at, zone, "HH:mm"))  \(kind.padding(toLength: 18, withPad: " ", startingAt: 0))\(entry.text)")
                }
            }
        }
    }
}
