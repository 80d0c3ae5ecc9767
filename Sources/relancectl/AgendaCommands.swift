import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore
import VarlinkProtocol

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
        /// An all-day event: the day is its time ("all day", never 00:00).
        var allDay: Bool? = nil
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
            let days = self.days
            // Three reads on one connection; the first reply names the zone the days
            // are counted in, so no call is spent learning it (issue #15).
            let (zone, end, reminders, meetings, events) = try global.client.session { session in
                let meetings = try session.call(ListMeetings.self, Empty())
                let zone = Output.zone(meetings.timeZone)
                let end = LocalDate(ProcessClock.now(), in: zone).adding(days: days).at(LocalTimeOfDay(hour: 0), in: zone)
                let reminders = try session.call(Upcoming.self, .init(limit: 10_000, until: JSONCoding.formatDate(end))).reminders
                let events = try session.call(ListEvents.self, Empty()).events
                return (zone, end, reminders, meetings.meetings, events)
            }
            var entries: [Entry] = []
            entries += reminders.map { Entry(at: $0.fireAt, kind: $0.kind, text: $0.text) }
            entries += meetings.filter { $0.startsAt < end }.map {
                Entry(at: $0.startsAt, kind: "meeting", text: "Meeting with \($0.contactName) at \($0.place)")
            }
            for event in events {
                for start in event.nextOccurrences where start < end {
                    entries.append(Entry(at: start, kind: "event", text: event.title + (event.place.map { " at \($0)" } ?? ""),
                                         allDay: event.allDay))
                }
            }
            entries.sort { $0.at != $1.at ? $0.at < $1.at : $0.kind < $1.kind }
            let grouped = Dictionary(grouping: entries) { LocalDate($0.at, in: zone) }
            let dayList = grouped.keys.sorted().map { Day(date: $0.description, entries: grouped[$0]!) }
            if global.json { return try Output.json(dayList) }
            guard !dayList.isEmpty else { return print("Nothing in the next \(days) days.") }
            for (index, day) in dayList.enumerated() {
                if index > 0 { print("") }
                let date = LocalDate(day.date)!.at(LocalTimeOfDay(hour: 12), in: zone)
                print(Output.bold(Planner.format(date, zone, "EEEE d MMMM")))
                for entry in day.entries {
                    let kind = ReminderKind.words(for: entry.kind)
                    let time = entry.allDay == true ? "all day" : Planner.format(entry.at, zone, "HH:mm")
                    print("  \(time)  \(kind.padding(toLength: 18, withPad: " ", startingAt: 0))\(entry.text)")
                }
            }
        }
    }
}
