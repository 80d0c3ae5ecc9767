import Foundation

/// RFC 5545 recurrence of an event, in the event's zone: an RRULE value (without the
/// `RRULE:` prefix) and wall-clock exception and extra dates.
public struct EventRecurrence: Sendable, Hashable, Codable {
    public var rrule: String?
    public var exdates: [LocalDateTime]
    public var rdates: [LocalDateTime]

    public init(rrule: String?, exdates: [LocalDateTime] = [], rdates: [LocalDateTime] = []) {
        self.rrule = rrule
        self.exdates = exdates
        self.rdates = rdates
    }
}

/// A networking event: where people meet people.
public struct NetworkingEvent: Sendable, Hashable, Codable, Identifiable {
    public var id: Int64
    /// iCalendar UID (imports are idempotent by it).
    public var uid: String
    public var title: String
    /// Wall-clock start in `timeZone`: a 19:00 event stays at 19:00 across DST.
    public var start: LocalDateTime
    public var timeZone: String
    public var duration: TimeInterval
    public var place: String?
    public var url: String?
    public var details: String?
    public var rsvpBy: Date?
    public var recurrence: EventRecurrence?
    /// Reminders before each occurrence.
    public var reminders: [ISODuration]
    /// For a changed occurrence of a recurring event imported from a calendar (its
    /// RECURRENCE-ID): the occurrence of the series `uid` it replaces. Nil for a series or
    /// a one-off event. (uid, occurrenceID) is unique.
    public var occurrenceID: OccurrenceID?
    /// The calendar version last imported (SEQUENCE, LAST-MODIFIED/DTSTAMP), so an older
    /// or equal one is skipped and a newer one updates the event.
    public var version: EventVersion
    /// A whole-day event (an iCalendar DATE-valued DTSTART): `start` is midnight of its
    /// first day, it is shown as "all day", and its reminders come at the start of the
    /// user's day, never at a clock time counted back from midnight (issue #12).
    public var isAllDay: Bool = false

    public init(id: Int64, uid: String, title: String, start: LocalDateTime, timeZone: String, duration: TimeInterval,
                place: String? = nil, url: String? = nil, details: String? = nil, rsvpBy: Date? = nil,
                recurrence: EventRecurrence? = nil, reminders: [ISODuration], occurrenceID: OccurrenceID? = nil,
                version: EventVersion = EventVersion(), isAllDay: Bool = false) {
        self.isAllDay = isAllDay
        self.id = id; self.uid = uid; self.title = title; self.start = start; self.timeZone = timeZone
        self.duration = duration; self.place = place; self.url = url; self.details = details
        self.rsvpBy = rsvpBy; self.recurrence = recurrence; self.reminders = reminders
        self.occurrenceID = occurrenceID; self.version = version
    }

    /// The zone of `start` (UTC if the identifier is unknown).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC")! }

    /// The first occurrence's start instant.
    public var firstStart: Date { start.instant(in: zone) }
}

extension LocalDateTime {
    /// Parses `2026-12-10T19:00`, `2026-12-10T19:00:00` or `2026-12-10 19:00`.
    public init?(_ text: String) {
        let normalized = text.replacingOccurrences(of: " ", with: "T")
        let parts = normalized.split(separator: "T")
        guard parts.count == 2, let date = LocalDate(String(parts[0])), let time = LocalTimeOfDay(String(parts[1])),
              time.hour < 24 else { return nil }
        self.init(date: date, time: time)
    }
}
