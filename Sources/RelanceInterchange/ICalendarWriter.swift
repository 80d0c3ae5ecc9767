import Foundation
import RelanceCalendar
import RelanceCore

/// Writes what is coming up as one iCalendar file (RFC 5545) to subscribe to or import:
/// meetings, networking events and pending reminders, each with alarms.
///
/// - A meeting is a VEVENT in UTC ("Meeting with Ada Lovelace"); its pending prep and
///   leave reminders are VALARMs on it, at the instant each fires.
/// - A networking event keeps its wall-clock time: `DTSTART;TZID=<IANA zone>` with its
///   RRULE, EXDATE and RDATE, and a VTIMEZONE generated from the system's database (strict
///   parsers require one). Its reminder offsets become relative VALARMs, which repeat for
///   every occurrence; that is why the `event_soon` reminders are not written separately.
/// - Every other pending reminder is a 15-minute VEVENT at its fire time with an alarm
///   at the start, CATEGORIES its kind, and TRANSP:TRANSPARENT so it never shows as busy.
///
/// UIDs are stable (`meeting-<id>@relance`, an event's own UID, `reminder-<id>@relance`), so
/// importing a newer export updates entries instead of duplicating them.
public enum ICalendarWriter {
    /// The calendar's PRODID (RFC 5545 §3.7.3).
    public static let productID = "-//Relance//Relance//EN"

    /// The iCalendar text for the given items, CRLF line ends.
    ///
    /// - Parameters:
    ///   - reminders: reminders; only pending ones are written.
    ///   - meetings: meetings, each with its contact's name from `contactsByID`.
    ///   - events: networking events.
    ///   - contactsByID: contacts by id, for names in summaries.
    ///   - now: the DTSTAMP of every component, and the year the time zones cover up to (+5).
    public static func write(reminders: [Reminder], meetings: [Meeting], events: [NetworkingEvent],
                             contactsByID: [Int64: Contact], now: Date) -> String {
        var writer = ContentLineWriter()
        let stamp = ICalendarDate.utc(now)
        writer.line("BEGIN", "VCALENDAR")
        writer.line("VERSION", "2.0")
        writer.line("PRODID", productID)
        writer.line("CALSCALE", "GREGORIAN")
        writer.text("X-WR-CALNAME", "Relance")

        let pending = reminders.filter { $0.state == .pending }.sorted { ($0.fireAt, $0.id) < ($1.fireAt, $1.id) }
        let sortedMeetings = meetings.sorted { ($0.startsAt, $0.id) < ($1.startsAt, $1.id) }
        let sortedEvents = events.sorted { ($0.firstStart, $0.id) < ($1.firstStart, $1.id) }
        let (alarms, standalone) = attach(pending, to: sortedMeetings)

        writeTimeZones(for: sortedEvents, now: now, into: &writer)
        for meeting in sortedMeetings {
            write(meeting, contact: contactsByID[meeting.contactID], alarms: alarms[meeting.id] ?? [], stamp: stamp, into: &writer)
        }
        for event in sortedEvents { write(event, stamp: stamp, into: &writer) }
        for reminder in standalone { write(reminder, stamp: stamp, into: &writer) }
        writer.line("END", "VCALENDAR")
        return writer.string
    }

    /// Splits pending reminders into alarms on meetings (by meeting id) and reminders
    /// written as their own VEVENT. The core `Reminder` does not name its meeting, so a
    /// prep or leave reminder belongs to its contact's first meeting starting at or
    /// after the reminder is due (both come before the meeting they prepare for).
    static func attach(_ reminders: [Reminder], to meetings: [Meeting]) -> (alarms: [Int64: [Reminder]], standalone: [Reminder]) {
        let meetingsByContact = Dictionary(grouping: meetings, by: \.contactID)
        var alarms: [Int64: [Reminder]] = [:]
        var standalone: [Reminder] = []
        for reminder in reminders {
            switch reminder.kind {
            case .eventSoon:
                continue
            case .meetingPrep, .meetingLeave:
                let candidates = reminder.contactID.flatMap { meetingsByContact[$0] } ?? []
                if let meeting = candidates.first(where: {
                    $0.startsAt >= reminder.dueAt && (reminder.outreachID == nil || $0.outreachID == nil || $0.outreachID == reminder.outreachID)
                }) {
                    alarms[meeting.id, default: []].append(reminder)
                } else {
                    standalone.append(reminder)
                }
            default:
                standalone.append(reminder)
            }
        }
        return (alarms, standalone)
    }

    /// The zone an event is written in with TZID, or nil to write it in UTC (an unknown
    /// identifier, for which no VTIMEZONE can be built, or UTC itself).
    static func namedZone(of event: NetworkingEvent) -> TimeZone? {
        guard let zone = TimeZone(identifier: event.timeZone), zone.identifier != "UTC", zone.identifier != "GMT",
              event.timeZone.contains("/") else { return nil }
        return zone
    }

    private static func writeTimeZones(for events: [NetworkingEvent], now: Date, into writer: inout ContentLineWriter) {
        var years: [String: (zone: TimeZone, first: Int, last: Int)] = [:]
        let nowYear = LocalDate(now, in: TimeZone(identifier: "UTC")!).year
        for event in events {
            guard let zone = namedZone(of: event) else { continue }
            let dates = [event.start] + (event.recurrence?.rdates ?? []) + (event.recurrence?.exdates ?? [])
            let first = dates.map(\.date.year).min()!
            let last = max(dates.map(\.date.year).max()!, nowYear)
            let known = years[zone.identifier]
            years[zone.identifier] = (zone, min(first, known?.first ?? first), max(last, known?.last ?? last))
        }
        for identifier in years.keys.sorted() {
            let (zone, first, last) = years[identifier]!
            // From the first event's year (minus a day, so an event on 1 January is
            // covered whatever its offset) to five years past the last date or now, for
            // recurrences that go on.
            let utc = TimeZone(identifier: "UTC")!
            let start = LocalDate(year: first, month: 1, day: 1).at(LocalTimeOfDay(hour: 0), in: utc).addingTimeInterval(-86_400)
            let end = LocalDate(year: last + 5, month: 12, day: 31).at(LocalTimeOfDay(hour: 0), in: utc)
            VTimeZoneBuilder.write(zone, from: start, through: end, into: &writer)
        }
    }

    private static func write(_ meeting: Meeting, contact: Contact?, alarms: [Reminder], stamp: String,
                              into writer: inout ContentLineWriter) {
        writer.line("BEGIN", "VEVENT")
        writer.text("UID", "meeting-\(meeting.id)@relance")
        writer.line(ICSParser.originProperty, "meeting")
        writer.line("DTSTAMP", stamp)
        writer.line("DTSTART", ICalendarDate.utc(meeting.startsAt))
        writer.line("DTEND", ICalendarDate.utc(max(meeting.endsAt, meeting.startsAt)))
        writer.text("SUMMARY", "Meeting with \(contact.map { TextCleaning.singleLine($0.name) } ?? "contact #\(meeting.contactID)")")
        let place = TextCleaning.singleLine(meeting.place)
        if !place.isEmpty { writer.text("LOCATION", place) }
        if let notes = meeting.notes, !notes.isEmpty { writer.text("DESCRIPTION", notes) }
        for reminder in alarms {
            writer.line("BEGIN", "VALARM")
            writer.line("ACTION", "DISPLAY")
            writer.text("DESCRIPTION", TextCleaning.singleLine(reminder.text))
            writer.line("TRIGGER;VALUE=DATE-TIME", ICalendarDate.utc(reminder.fireAt))
            writer.line("END", "VALARM")
        }
        writer.line("END", "VEVENT")
    }

    private static func write(_ event: NetworkingEvent, stamp: String, into writer: inout ContentLineWriter) {
        let zone = namedZone(of: event)
        // With a named zone, wall-clock values follow TZID; otherwise instants in UTC.
        func time(_ name: String, _ local: LocalDateTime) {
            if event.isAllDay {
                // A whole day stays a DATE (RFC 5545 §3.3.4), in no zone: a calendar
                // shows it across the day, and a re-import keeps it all-day (issue #12).
                writer.line("\(name);VALUE=DATE", ICalendarDate.date(local.date))
            } else if let zone {
                writer.line("\(name);TZID=\(ContentLineWriter.parameter(zone.identifier))", ICalendarDate.local(local))
            } else {
                writer.line(name, ICalendarDate.utc(local.instant(in: event.zone)))
            }
        }
        writer.line("BEGIN", "VEVENT")
        // The source's UID as it is, so importing this export (or the calendar it came
        // from) updates the event instead of adding a copy (issue #12).
        writer.text("UID", event.uid.isEmpty ? "event-\(event.id)@relance" : TextCleaning.singleLine(event.uid))
        writer.line("DTSTAMP", stamp)
        // A changed occurrence of a series keeps its RECURRENCE-ID, so the series and its
        // changes stay one calendar object (RFC 5545 §3.8.4.4), and the imported SEQUENCE.
        switch event.occurrenceID {
        case .instant(let original)?: writer.line("RECURRENCE-ID", ICalendarDate.utc(original))
        case .local(let original)?: time("RECURRENCE-ID", original)
        case nil: break
        }
        if event.version.sequence > 0 { writer.line("SEQUENCE", String(event.version.sequence)) }
        // The imported version, so importing this export again is "up to date", not a
        // newer revision (DTSTAMP is the export's time; LAST-MODIFIED wins over it).
        if let revised = event.version.stamp { writer.line("LAST-MODIFIED", ICalendarDate.utc(revised)) }
        time("DTSTART", event.start)
        if event.isAllDay {
            let days = max(1, Int((event.duration / 86_400).rounded()))
            writer.line("DURATION", "P\(days)D")
        } else {
            writer.line("DURATION", ICalendarDate.duration(seconds: event.duration))
        }
        writer.text("SUMMARY", TextCleaning.singleLine(event.title))
        if let place = event.place.map(TextCleaning.singleLine), !place.isEmpty { writer.text("LOCATION", place) }
        if let url = event.url.map(ContentLineWriter.uri), !url.isEmpty { writer.line("URL", url) }
        if let details = event.details, !details.isEmpty { writer.text("DESCRIPTION", details) }
        if let recurrence = event.recurrence {
            if let rule = recurrence.rrule.flatMap({ rrule(from: $0, zone: event.zone, allDay: event.isAllDay) }) { writer.line("RRULE", rule) }
            for date in recurrence.exdates.sorted() { time("EXDATE", date) }
            for date in recurrence.rdates.sorted() { time("RDATE", date) }
        }
        for offset in event.reminders {
            writer.line("BEGIN", "VALARM")
            writer.line("ACTION", "DISPLAY")
            writer.text("DESCRIPTION", TextCleaning.singleLine(event.title))
            let duration = ICalendarDate.duration(offset)
            writer.line("TRIGGER", duration == "PT0S" ? duration : "-" + duration)
            writer.line("END", "VALARM")
        }
        writer.line("END", "VEVENT")
    }

    private static func write(_ reminder: Reminder, stamp: String, into writer: inout ContentLineWriter) {
        writer.line("BEGIN", "VEVENT")
        writer.text("UID", "reminder-\(reminder.id)@relance")
        writer.line(ICSParser.originProperty, "reminder")
        writer.line("DTSTAMP", stamp)
        writer.line("DTSTART", ICalendarDate.utc(reminder.fireAt))
        writer.line("DURATION", "PT15M")
        writer.text("SUMMARY", TextCleaning.singleLine(reminder.text))
        if !reminder.reason.isEmpty { writer.text("DESCRIPTION", reminder.reason) }
        writer.text("CATEGORIES", reminder.kind.rawValue)
        writer.line("TRANSP", "TRANSPARENT")
        writer.line("BEGIN", "VALARM")
        writer.line("ACTION", "DISPLAY")
        writer.text("DESCRIPTION", TextCleaning.singleLine(reminder.text))
        writer.line("TRIGGER", "PT0S")
        writer.line("END", "VALARM")
        writer.line("END", "VEVENT")
    }

    /// The event's RRULE as libical normalizes it, or nil when it is invalid (one bad
    /// rule must not make the whole file unreadable). UNTIL is rewritten in UTC: RFC 5545
    /// §3.3.10 requires it when DTSTART has a zone, and dateutil (Python) refuses otherwise.
    /// An all-day event's DATE UNTIL stays a DATE, as §3.3.10 requires with a DATE DTSTART
    /// (made a UTC time, it came back from the round trip as a changed rule).
    static func rrule(from text: String, zone: TimeZone, allDay: Bool = false) -> String? {
        guard let normalized = try? RecurrenceExpander.normalized(rrule: text) else { return nil }
        return normalized.split(separator: ";").map { part -> String in
            guard part.uppercased().hasPrefix("UNTIL=") else { return String(part) }
            let value = part.dropFirst("UNTIL=".count)
            if value.hasSuffix("Z") || (allDay && value.count == 8) { return String(part) }
            let digits = value.filter(\.isNumber)
            guard digits.count >= 8, let year = Int(digits.prefix(4)), let month = Int(digits.dropFirst(4).prefix(2)),
                  let day = Int(digits.dropFirst(6).prefix(2)) else { return String(part) }
            var time = LocalTimeOfDay(hour: 23, minute: 59, second: 59) // a DATE means through that day
            if digits.count >= 14, let h = Int(digits.dropFirst(8).prefix(2)), let m = Int(digits.dropFirst(10).prefix(2)),
               let s = Int(digits.dropFirst(12).prefix(2)) {
                time = LocalTimeOfDay(hour: h, minute: m, second: s)
            }
            return "UNTIL=" + ICalendarDate.utc(LocalDate(year: year, month: month, day: day).at(time, in: zone))
        }.joined(separator: ";")
    }
}
