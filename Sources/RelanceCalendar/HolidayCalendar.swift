import CICal
import Foundation
import RelanceCore

/// Reads public holidays from an iCalendar file, for the business-day rules that wait
/// politely before a follow-up.
public enum HolidayCalendar {
    /// How far a recurring holiday is expanded when no end is given: ten years from its
    /// DTSTART.
    public static let defaultYears = 10

    /// The holiday dates of `text`, sorted and unique.
    ///
    /// Each VEVENT is a holiday on its DTSTART date (the written date of a DATE-TIME); an
    /// all-day event whose DTEND or DURATION spans several days marks each of them (at
    /// most 366). RRULE, EXDATE and RDATE repeat it (Easter-like dates come as RDATEs or
    /// one event per year).
    ///
    /// - Parameters:
    ///   - text: the iCalendar file.
    ///   - lastDay: the last day returned; nil expands each holiday for `defaultYears`
    ///     years from its own DTSTART. Pass today plus a few years for a file whose rules
    ///     started long ago, or their ten years will have run out.
    /// - Throws: `CalendarError` naming the line and UID of an unusable event.
    public static func holidays(fromICS text: String, through lastDay: LocalDate? = nil) throws -> [LocalDate] {
        try Libical.serialized { try read(text, through: lastDay).keys.sorted() }
    }

    /// The same days with their names (SUMMARY; the first one on a day shared by two),
    /// by date, for `relancectl import --holidays` to store and list.
    public static func namedHolidays(fromICS text: String, through lastDay: LocalDate? = nil) throws -> [(date: LocalDate, name: String)] {
        try Libical.serialized { try read(text, through: lastDay).sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// Whether `events` read like a calendar of public holidays rather than events to go
    /// to (issue #12): at least three, every one all day and without attendees, and most
    /// of them yearly (RRULE FREQ=YEARLY, or a title that comes back in another year, as
    /// Google's holiday calendars list each year's date). Imported as networking events
    /// they would each bring RSVP prompts; they belong in the business calendar.
    public static func looksLikeHolidays(_ events: [ICSEvent]) -> Bool {
        // Three days off at least, each its own UID: one birthday's changed occurrences
        // (Google's birthdays calendar, exported again without its ATTENDEE) are one series.
        guard Set(events.map(\.uid)).count >= 3, events.allSatisfy({ $0.isAllDay && !$0.hasAttendees && $0.relanceKind == nil }) else { return false }
        var years: [String: Set<Int>] = [:]
        for event in events { years[event.summary ?? "", default: []].insert(event.start.date.year) }
        let yearly = events.filter { event in
            (event.recurrence?.rrule?.uppercased().contains("FREQ=YEARLY") ?? false) || (years[event.summary ?? ""]?.count ?? 0) >= 2
        }
        return yearly.count * 2 >= events.count
    }

    private static func read(_ text: String, through lastDay: LocalDate?) throws -> [LocalDate: String] {
        let document = try ICSDocument(text: text)
        var days: [LocalDate: String] = [:]
        for node in document.events {
            let reader = VEventReader(document: document, node: node)
            try reader.checkValues(of: ["DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE"])
            guard let property = reader.first(ICAL_DTSTART_PROPERTY) else {
                throw reader.error(.invalidCalendar, "the holiday has no DTSTART; add its date, e.g. DTSTART;VALUE=DATE:20261225")
            }
            let start = try reader.time(property, icalproperty_get_dtstart(property), name: "DTSTART")
            let span = try spanInDays(reader, start: start)
            let (exdates, rdates) = try reader.recurrenceDates(start: start)
            // Expanded as midnight wall-clock dates: the holiday is a day, whatever its zone.
            let midnight = LocalTimeOfDay(hour: 0)
            let recurrence = Recurrence(rrule: try reader.rrule(),
                                        exdates: exdates.map { LocalDateTime(date: $0.date, time: midnight) },
                                        rdates: rdates.map { LocalDateTime(date: $0.date, time: midnight) })
            let end = lastDay ?? LocalDate(year: start.local.date.year + defaultYears, month: start.local.date.month, day: start.local.date.day)
            do {
                let walker = try OccurrenceWalker(start: LocalDateTime(date: start.local.date, time: midnight),
                                                  recurrence: recurrence, zone: TimeZone(identifier: "UTC")!)
                while let occurrence = try walker.next(), occurrence.date <= end {
                    let name = reader.text(ICAL_SUMMARY_PROPERTY) ?? "holiday"
                    for offset in 0..<span where days[occurrence.date.adding(days: offset)] == nil {
                        days[occurrence.date.adding(days: offset)] = name
                    }
                }
            } catch let error as CalendarError {
                throw reader.locate(error, property: "RRULE")
            }
        }
        return days
    }

    /// How many days the holiday covers: an all-day DTEND is exclusive (RFC 5545 §3.6.1);
    /// otherwise one day.
    private static func spanInDays(_ reader: VEventReader, start: ICSTime) throws -> Int {
        guard start.isDate else { return 1 }
        var days = 1
        if let property = reader.first(ICAL_DTEND_PROPERTY) {
            let end = try reader.time(property, icalproperty_get_dtend(property), name: "DTEND")
            let calendar = Calendar.gregorian(TimeZone(identifier: "UTC")!)
            let from = calendar.date(from: DateComponents(year: start.local.date.year, month: start.local.date.month, day: start.local.date.day))!
            let to = calendar.date(from: DateComponents(year: end.local.date.year, month: end.local.date.month, day: end.local.date.day))!
            days = calendar.dateComponents([.day], from: from, to: to).day ?? 1
        } else if let property = reader.first(ICAL_DURATION_PROPERTY) {
            days = Int(icaldurationtype_as_int(icalproperty_get_duration(property))) / 86_400
        }
        return min(max(days, 1), 366)
    }
}
