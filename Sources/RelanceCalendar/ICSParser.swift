import CICal
import Foundation
import RelanceCore

/// Reads the events of an iCalendar file (RFC 5545) with libical, for importing
/// meetings and networking events.
public enum ICSParser {
    /// The properties whose unreadable values make an event unusable.
    static let readProperties: Set<String> = ["DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "RECURRENCE-ID", "TRIGGER",
                                              "SEQUENCE", "LAST-MODIFIED", "DTSTAMP"]

    /// Every VEVENT of `text`, in file order.
    ///
    /// A modified occurrence (a VEVENT with RECURRENCE-ID) comes back as its own event
    /// with `recurrenceID` set, and the recurring event with the same UID gets that
    /// original time as an EXDATE, so expanding both yields each occurrence once.
    ///
    /// - Throws: `CalendarError` naming the line and UID: text that is not iCalendar, an
    ///   event without UID or DTSTART, an unreadable date or rule, a TZID with no IANA
    ///   name, both DTEND and DURATION.
    public static func events(fromICS text: String) throws -> [ICSEvent] {
        let result = try parse(text)
        if let first = result.rejections.first { throw first }
        return result.events
    }

    /// What one file holds: its readable VEVENTs and, apart, one error per VEVENT that
    /// cannot be read (with its line and UID), so an import can list every rejected
    /// event and still count, or import, the others (issue #12).
    public struct Result: Sendable {
        /// The readable events, in file order (overrides attached, as `events(fromICS:)`).
        public var events: [ICSEvent]
        /// One error per unreadable VEVENT, in file order.
        public var rejections: [CalendarError]
        /// How many VEVENTs the file has, readable or not.
        public var vevents: Int { events.count + rejections.count }
    }

    /// Every VEVENT of `text`, the unreadable ones apart.
    ///
    /// - Throws: `CalendarError` when the text as a whole is not iCalendar.
    public static func parse(_ text: String) throws -> Result {
        try Libical.serialized {
            let document = try ICSDocument(text: text)
            var events: [ICSEvent] = []
            var rejections: [CalendarError] = []
            for node in document.events {
                let reader = VEventReader(document: document, node: node)
                do {
                    events.append(try event(reader))
                } catch let error as CalendarError {
                    rejections.append(error.located(line: reader.line, uid: reader.uid))
                }
            }
            return Result(events: attachingOverrides(events), rejections: rejections)
        }
    }

    /// The `X-RELANCE-KIND` a Relance export writes on what is not a networking event of
    /// the user's ("reminder", "meeting"), so importing an export adds nothing.
    public static let originProperty = "X-RELANCE-KIND"

    private static func event(_ reader: VEventReader) throws -> ICSEvent {
        try reader.checkValues(of: readProperties)
        guard let startProperty = reader.first(ICAL_DTSTART_PROPERTY) else {
            throw reader.error(.invalidCalendar, "the VEVENT has no DTSTART; add its start, e.g. DTSTART;TZID=Europe/Paris:20260106T190000")
        }
        let start = try reader.time(startProperty, icalproperty_get_dtstart(startProperty), name: "DTSTART")
        var zoneIdentifier: String?
        // Foundation on Linux names the UTC zone "GMT"; RFC 5545 values say "Z" for UTC.
        if case .zone(let zone) = start.zone { zoneIdentifier = zone.identifier == "GMT" ? "UTC" : zone.identifier }
        let startInstant = start.instant(floatingIn: TimeZone(identifier: "UTC")!)
        // RFC 5545 requires a UID, but real exports lack one now and then: a stable one
        // made of what the event is (its start and title) keeps a re-import idempotent.
        let uid: String
        if let given = reader.uid, !given.isEmpty {
            uid = given
        } else {
            uid = Self.syntheticUID(start: "\(start.local)|\(zoneIdentifier ?? "floating")",
                                    summary: reader.text(ICAL_SUMMARY_PROPERTY) ?? "")
        }

        var end: LocalDateTime?
        var endInstant: Date?
        if let property = reader.first(ICAL_DTEND_PROPERTY) {
            let value = try reader.time(property, icalproperty_get_dtend(property), name: "DTEND")
            end = value.isDate ? value.local : value.local(in: start.zone)
            endInstant = value.instant(floatingIn: TimeZone(identifier: "UTC")!)
        }
        var duration: String?
        var durationSeconds: Int?
        if let property = reader.first(ICAL_DURATION_PROPERTY) {
            guard end == nil else {
                throw reader.error(.invalidCalendar, "the event has both DTEND and DURATION (RFC 5545 §3.6.1 allows one); remove one of them",
                                   property: "DURATION")
            }
            let value = icalproperty_get_duration(property)
            durationSeconds = Int(icaldurationtype_as_int(value))
            if let text = icaldurationtype_as_ical_string_r(value) {
                duration = String(cString: text)
                free(text)
            }
        }

        let rrule = try reader.rrule()
        let (exdates, rdates) = try reader.recurrenceDates(start: start)
        let recurrence = rrule == nil && exdates.isEmpty && rdates.isEmpty
            ? nil : Recurrence(rrule: rrule, exdates: exdates, rdates: rdates)

        var recurrenceID: LocalDateTime?
        var occurrenceID: OccurrenceID?
        if let property = reader.first(ICAL_RECURRENCEID_PROPERTY) {
            let value = try reader.time(property, icalproperty_get_recurrenceid(property), name: "RECURRENCE-ID")
            recurrenceID = value.isDate && !start.isDate
                ? LocalDateTime(date: value.local.date, time: start.local.time) : value.local(in: start.zone)
            // The identity as written: an instant when the value has a zone, else the
            // wall-clock time (a DATE one taking DTSTART's time, as above).
            if case .zone(let zone) = value.zone {
                occurrenceID = .instant(value.local.instant(in: zone))
            } else if case .zone(let zone) = start.zone, !value.isDate {
                occurrenceID = .instant(value.local.instant(in: zone))  // floating, read in the event's zone
            } else {
                occurrenceID = .local(recurrenceID!)
            }
        }
        let version = try reader.version()
        let relanceKind = Libical.properties(of: reader.component, kind: ICAL_X_PROPERTY).lazy.compactMap { property -> String? in
            guard let name = icalproperty_get_x_name(property).map({ String(cString: $0) }),
                  name.uppercased() == originProperty else { return nil }
            return Libical.text(property)
        }.first
        let isCancelled = reader.first(ICAL_STATUS_PROPERTY).map { icalproperty_get_status($0) == ICAL_STATUS_CANCELLED } ?? false

        // RFC 5545 §3.8.6.3: RELATED=END triggers count from the end; an all-day event
        // without DTEND or DURATION lasts one day, a timed one none.
        let length = durationSeconds
            ?? endInstant.map { Int($0.timeIntervalSince(startInstant).rounded()) }
            ?? (start.isDate ? 86_400 : 0)
        var alarmOffsets: [Int] = []
        var alarmLeads: [ISODuration] = []
        for alarm in Libical.children(of: reader.component, kind: ICAL_VALARM_COMPONENT) {
            guard let property = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY) else {
                // An absolute trigger lacking VALUE=DATE-TIME (see `absoluteTrigger`).
                if let time = Libical.properties(of: alarm, kind: ICAL_XLICERROR_PROPERTY)
                    .lazy.compactMap(VEventReader.absoluteTrigger(recoveredFrom:)).first {
                    let moment = ICSTime(local: LocalDateTime(libical: time), isDate: false,
                                         zone: icaltime_is_utc(time) != 0 ? .zone(TimeZone(identifier: "UTC")!) : .floating)
                    alarmOffsets.append(Int(startInstant.timeIntervalSince(moment.instant(floatingIn: TimeZone(identifier: "UTC")!)).rounded()))
                    if alarmOffsets.last! > 0 { alarmLeads.append(ISODuration(seconds: Double(alarmOffsets.last!))) }
                }
                continue
            }
            let trigger = icalproperty_get_trigger(property)
            if icaltime_is_null_time(trigger.time) == 0 {
                // An absolute trigger (VALUE=DATE-TIME, UTC by §3.8.6.3): its distance
                // from DTSTART, reading a floating DTSTART as UTC.
                let moment = ICSTime(local: LocalDateTime(libical: trigger.time), isDate: false,
                                     zone: try reader.zone(of: property, value: trigger.time, name: "TRIGGER"))
                alarmOffsets.append(Int(startInstant.timeIntervalSince(moment.instant(floatingIn: TimeZone(identifier: "UTC")!)).rounded()))
                if alarmOffsets.last! > 0 { alarmLeads.append(ISODuration(seconds: Double(alarmOffsets.last!))) }
            } else {
                // A relative trigger: exact seconds (libical counts a day as 86 400 s).
                var seconds = Int(icaldurationtype_as_int(trigger.duration))
                let fromEnd = icalproperty_get_first_parameter(property, ICAL_RELATED_PARAMETER)
                    .map { icalparameter_get_related($0) == ICAL_RELATED_END } ?? false
                if fromEnd { seconds += length }
                alarmOffsets.append(-seconds)
                let value = trigger.duration
                if !fromEnd, value.is_neg != 0 {
                    // Calendar units kept: days and weeks before, then the clock part.
                    alarmLeads.append(ISODuration(weeks: Int(value.weeks), days: Int(value.days), hours: Int(value.hours),
                                                  minutes: Int(value.minutes), seconds: Double(value.seconds)))
                } else if -seconds > 0 {
                    alarmLeads.append(ISODuration(seconds: Double(-seconds)))
                }
            }
        }

        return ICSEvent(uid: uid, summary: reader.text(ICAL_SUMMARY_PROPERTY), description: reader.text(ICAL_DESCRIPTION_PROPERTY),
                        location: reader.text(ICAL_LOCATION_PROPERTY), url: reader.text(ICAL_URL_PROPERTY),
                        start: start.local, timeZoneIdentifier: zoneIdentifier, isAllDay: start.isDate,
                        end: end, duration: duration, recurrence: recurrence, recurrenceID: recurrenceID,
                        alarmOffsets: alarmOffsets, alarmLeads: alarmLeads, line: reader.line,
                        occurrenceID: occurrenceID, version: version, isCancelled: isCancelled,
                        relanceKind: relanceKind, hasAttendees: reader.first(ICAL_ATTENDEE_PROPERTY) != nil)
    }

    /// "synthetic-<16 hex>@relance": FNV-1a of the start and the title, the same on
    /// every import of the same event.
    static func syntheticUID(start: String, summary: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (start + "\u{1F}" + summary).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return "synthetic-" + String(hash, radix: 16).leftPadded(to: 16) + "@relance"
    }

    /// Adds each override's RECURRENCE-ID to the EXDATEs of the recurring event it
    /// modifies (same UID, no RECURRENCE-ID; every copy of it, if the file has several),
    /// converted to that event's zone.
    private static func attachingOverrides(_ events: [ICSEvent]) -> [ICSEvent] {
        var result = events
        var seriesIndexes: [String: [Int]] = [:]
        for (index, event) in events.enumerated() where event.recurrenceID == nil && event.recurrence != nil {
            seriesIndexes[event.uid, default: []].append(index)
        }
        for override in events {
            guard let replaced = override.recurrenceID else { continue }
            for index in seriesIndexes[override.uid] ?? [] {
                var time = replaced
                if let from = override.timeZone, let to = result[index].timeZone, from != to {
                    time = LocalDateTime(replaced.instant(in: from), in: to)
                }
                if !result[index].recurrence!.exdates.contains(time) {
                    result[index].recurrence!.exdates.append(time)
                }
            }
        }
        return result
    }
}

private extension String {
    func leftPadded(to length: Int) -> String { count >= length ? self : String(repeating: "0", count: length - count) + self }
}
