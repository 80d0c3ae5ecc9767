import Foundation
import RelanceCore

/// One VEVENT of an imported iCalendar file, reduced to what Relance uses.
///
/// Times are wall-clock times in the event's zone (`timeZoneIdentifier`), the form
/// `RecurrenceExpander` expands, so a recurring 19:00 meeting stays at 19:00 across DST.
public struct ICSEvent: Sendable, Hashable, Codable {
    /// UID: the event's identity across imports, so importing a file twice can update
    /// rather than duplicate.
    public var uid: String
    /// SUMMARY, unescaped.
    public var summary: String?
    /// DESCRIPTION, unescaped.
    public var description: String?
    /// LOCATION, unescaped.
    public var location: String?
    /// URL.
    public var url: String?
    /// DTSTART as wall-clock time in `timeZoneIdentifier` (midnight for an all-day event).
    public var start: LocalDateTime
    /// The IANA zone of `start`: the TZID (mapped to its IANA name), "UTC" for a value
    /// written with "Z", nil for a floating time or an all-day event (any zone's day).
    public var timeZoneIdentifier: String?
    /// Whether DTSTART is a DATE (an all-day event); `end` is then exclusive.
    public var isAllDay: Bool
    /// DTEND as wall-clock time in `timeZoneIdentifier`, when the event gives one.
    public var end: LocalDateTime?
    /// DURATION as an ISO 8601 duration ("PT1H30M", "P1D"), when the event gives one
    /// instead of DTEND.
    public var duration: String?
    /// RRULE, EXDATEs and RDATEs, in the event's zone; nil for a one-off event.
    public var recurrence: Recurrence?
    /// For a modified occurrence of a recurring event (RECURRENCE-ID): the original
    /// wall-clock start it replaces, in `timeZoneIdentifier`. The recurring event with
    /// the same UID then lists that time among its EXDATEs.
    public var recurrenceID: LocalDateTime?
    /// The VALARM triggers, as seconds before `start` (a TRIGGER of -PT15M is 900; a
    /// negative value fires after the start), in file order.
    public var alarmOffsets: [Int]
    /// The same leads before `start` as durations that keep their calendar meaning: a
    /// TRIGGER of -P1D is one day before (the same wall-clock time, across a DST change),
    /// not 86 400 seconds. Absolute and RELATED=END triggers are exact seconds. Leads
    /// after the start are left out.
    public var alarmLeads: [ISODuration] = []
    /// The 1-based line of its BEGIN:VEVENT, for messages; nil when it could not be located.
    public var line: Int?
    /// For a modified occurrence: its RECURRENCE-ID as an identity (an instant when the
    /// value has a zone), stable across imports. Nil for a series or a one-off event.
    public var occurrenceID: OccurrenceID?
    /// SEQUENCE and LAST-MODIFIED (else DTSTAMP): which of two versions is newer.
    public var version: EventVersion = EventVersion()
    /// STATUS:CANCELLED: the series (or, for a modified occurrence, that occurrence) is
    /// called off.
    public var isCancelled: Bool = false
    /// `X-RELANCE-KIND` ("reminder", "meeting"): a VEVENT a Relance export wrote for one
    /// of its own reminders or meetings, not a networking event; nil for any other.
    public var relanceKind: String?
    /// Whether the VEVENT names an ATTENDEE: a meeting people are invited to, never a
    /// public holiday.
    public var hasAttendees: Bool = false

    /// An event from its parts; `ICSParser` is the usual source.
    public init(uid: String, summary: String? = nil, description: String? = nil, location: String? = nil,
                url: String? = nil, start: LocalDateTime, timeZoneIdentifier: String? = nil, isAllDay: Bool = false,
                end: LocalDateTime? = nil, duration: String? = nil, recurrence: Recurrence? = nil,
                recurrenceID: LocalDateTime? = nil, alarmOffsets: [Int] = [], alarmLeads: [ISODuration]? = nil,
                line: Int? = nil, occurrenceID: OccurrenceID? = nil, version: EventVersion = EventVersion(),
                isCancelled: Bool = false, relanceKind: String? = nil, hasAttendees: Bool = false) {
        self.relanceKind = relanceKind
        self.hasAttendees = hasAttendees
        self.uid = uid
        self.summary = summary
        self.description = description
        self.location = location
        self.url = url
        self.start = start
        self.timeZoneIdentifier = timeZoneIdentifier
        self.isAllDay = isAllDay
        self.end = end
        self.duration = duration
        self.recurrence = recurrence
        self.recurrenceID = recurrenceID
        self.alarmOffsets = alarmOffsets
        self.alarmLeads = alarmLeads ?? alarmOffsets.filter { $0 > 0 }.map { ISODuration(seconds: Double($0)) }
        self.line = line
        self.occurrenceID = occurrenceID ?? recurrenceID.map { time in
            timeZoneIdentifier.flatMap(TimeZone.init(identifier:)).map { .instant(time.instant(in: $0)) } ?? .local(time)
        }
        self.version = version
        self.isCancelled = isCancelled
    }

    /// The zone of `start`, nil for floating and all-day events (the caller picks one,
    /// usually the user's).
    public var timeZone: TimeZone? { timeZoneIdentifier.flatMap(TimeZone.init(identifier:)) }
}
