import Foundation
import RelanceCore

extension ICSEvent {
    /// This VEVENT as a Relance event (id 0: not stored yet). Floating and all-day times
    /// are read in `userZone`; VALARM leads become its reminders, else `defaultReminders`.
    ///
    /// - Throws: `ValidationError` for an event that ends before it starts, a DURATION
    ///   that is not ISO 8601; `CalendarError` for an RRULE Relance cannot expand.
    public func networkingEvent(userZone: TimeZone, defaultReminders: [ISODuration]) throws -> NetworkingEvent {
        let zone = timeZone ?? userZone
        let instant = start.instant(in: zone)
        var length: TimeInterval = isAllDay ? 86_400 : 3600
        if let end {
            length = end.instant(in: zone).timeIntervalSince(instant)
        } else if let duration {
            length = try ISODuration(parsing: duration).added(to: instant, in: zone).timeIntervalSince(instant)
        }
        // DTEND equal to a DATE DTSTART (exclusive by RFC 5545 §3.6.1, so no day at all)
        // is how many holiday exporters write a one-day event: read it as that day.
        if isAllDay && length == 0 { length = 86_400 }
        guard length > 0 else { throw ValidationError(field: "DTEND", reason: "ends before it starts") }
        // Calendar leads (-P1D stays one day before, across DST), exact ones otherwise.
        let reminders = alarmOffsets.isEmpty ? defaultReminders : EventReminders.boundedLeads(alarmLeads)
        var eventRecurrence: EventRecurrence?
        if let recurrence {
            if let rrule = recurrence.rrule { try RecurrenceExpander.validate(rrule: rrule) }
            eventRecurrence = EventRecurrence(rrule: recurrence.rrule, exdates: recurrence.exdates, rdates: recurrence.rdates)
        }
        return NetworkingEvent(id: 0, uid: uid, title: summary ?? "(untitled)", start: start, timeZone: zone.identifier,
                               duration: length, place: location.map(Self.oneLine), url: url.map(Self.oneLine),
                               details: description, recurrence: eventRecurrence, reminders: reminders,
                               occurrenceID: recurrenceID == nil ? nil : occurrenceID, version: version,
                               isAllDay: isAllDay)
    }

    /// A multi-line LOCATION or URL on one line.
    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: ", ").replacingOccurrences(of: "\n", with: ", ")
    }
}
