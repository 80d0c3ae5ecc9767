import CICal
import Foundation
import RelanceCore

/// Reads the properties of one VEVENT, turning every problem into a `CalendarError` that
/// names the line and the UID.
struct VEventReader {
    let document: ICSDocument
    let node: ICSEventNode
    /// The event's UID, when it has one.
    let uid: String?

    init(document: ICSDocument, node: ICSEventNode) {
        self.document = document
        self.node = node
        uid = Libical.properties(of: node.component, kind: ICAL_UID_PROPERTY).first.flatMap(Libical.text)
    }

    /// The VEVENT component.
    var component: OpaquePointer { node.component }

    /// The 1-based line of BEGIN:VEVENT, when known.
    var line: Int? { node.lines?.lowerBound }

    /// An error located at `property`'s line (else at BEGIN:VEVENT) and at this UID.
    func error(_ code: CalendarError.Code, _ message: String, property: String? = nil) -> CalendarError {
        let line = property.flatMap { document.line(ofProperty: $0, in: node.lines) } ?? self.line
        return CalendarError(code, message, line: line, uid: uid)
    }

    /// Rethrows `error` located at `property`'s line and this UID.
    func locate(_ error: CalendarError, property: String) -> CalendarError {
        error.located(line: document.line(ofProperty: property, in: node.lines) ?? line, uid: uid)
    }

    /// Throws for the first property among `names` whose value libical could not parse.
    ///
    /// libical does not fail a parse: it drops the bad property and leaves an X-LIC-ERROR
    /// in its place ("Can't parse as DATE-TIME value in DTSTART property. Removing entire
    /// property: …"). Left alone, a bad DTSTART would surface as a missing one, and a bad
    /// RRULE would turn a series into a one-off. Errors about properties we do not read
    /// (an unknown property name, a bad GEO…) are ignored, as any reader would.
    func checkValues(of names: Set<String>) throws {
        let components = [component] + Libical.children(of: component, kind: ICAL_VALARM_COMPONENT)
        for component in components {
            for property in Libical.properties(of: component, kind: ICAL_XLICERROR_PROPERTY) {
                guard let parameter = icalproperty_get_first_parameter(property, ICAL_XLICERRORTYPE_PARAMETER),
                      icalparameter_get_xlicerrortype(parameter) == ICAL_XLICERRORTYPE_VALUEPARSEERROR,
                      let message = Libical.text(property),
                      let name = Self.propertyName(inLibicalMessage: message),
                      names.contains(name) else { continue }
                if name == "TRIGGER", Self.absoluteTrigger(recoveredFrom: property) != nil { continue }
                // For a rule, our own check says which part is wrong; libical does not.
                if name == "RRULE", let marker = message.range(of: "Removing entire property: ") {
                    do {
                        _ = try RecurrenceRule(parsing: String(message[marker.upperBound...]))
                    } catch let error as CalendarError {
                        throw locate(error, property: name)
                    }
                }
                throw error(.invalidCalendar, "the \(name) value cannot be read (libical: \(message)); write it as RFC 5545 §3.3 says, "
                            + "e.g. DTSTART;TZID=Europe/Paris:20260106T190000 or RRULE:FREQ=WEEKLY;BYDAY=TU", property: name)
            }
        }
    }

    /// The date-time of an absolute TRIGGER written without VALUE=DATE-TIME, from the
    /// X-LIC-ERROR libical left in its place.
    ///
    /// RFC 5545 §3.8.6.3 requires the parameter (the default value type is DURATION), so
    /// libical drops such a trigger; but Python's `icalendar` (7.x) writes absolute
    /// triggers exactly that way, so we read the value back rather than lose the alarm.
    static func absoluteTrigger(recoveredFrom error: OpaquePointer) -> icaltimetype? {
        guard let message = Libical.text(error), message.contains(" in TRIGGER property"),
              let marker = message.range(of: "Removing entire property: ") else { return nil }
        let value = String(message[marker.upperBound...]).trimmingCharacters(in: .whitespaces)
        guard value.count >= 15, value.first?.isNumber == true else { return nil }
        icalerror_clear_errno()
        let time = icaltime_from_string(value)
        defer { icalerror_clear_errno() }
        guard icaltime_is_null_time(time) == 0, icaltime_is_valid_time(time) != 0, time.is_date == 0 else { return nil }
        return time
    }

    /// "… value in DTSTART property. …" → "DTSTART".
    static func propertyName(inLibicalMessage message: String) -> String? {
        guard let end = message.range(of: " property") else { return nil }
        let before = message[..<end.lowerBound]
        guard let start = before.range(of: " in ", options: .backwards) else { return nil }
        return String(before[start.upperBound...]).uppercased()
    }

    /// The first property of `kind`.
    func first(_ kind: icalproperty_kind) -> OpaquePointer? {
        icalcomponent_get_first_property(component, kind)
    }

    /// All properties of `kind`, in order.
    func all(_ kind: icalproperty_kind) -> [OpaquePointer] {
        Libical.properties(of: component, kind: kind)
    }

    /// The text of the first property of `kind`, unescaped; nil when absent or empty.
    func text(_ kind: icalproperty_kind) -> String? {
        first(kind).flatMap(Libical.text).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A DATE or DATE-TIME value of `property` (named `name` in messages), with its zone.
    func time(_ property: OpaquePointer, _ value: icaltimetype, name: String) throws -> ICSTime {
        guard icaltime_is_null_time(value) == 0, icaltime_is_valid_time(value) != 0,
              (1...12).contains(value.month), (1...31).contains(value.day) else {
            throw error(.invalidCalendar, "\(name) holds no date; write e.g. \(name);TZID=Europe/Paris:20260106T190000", property: name)
        }
        return ICSTime(local: LocalDateTime(libical: value), isDate: value.is_date != 0,
                       zone: try zone(of: property, value: value, name: name))
    }

    /// Where a value is written: a DATE or a value without TZID or "Z" is floating; "Z"
    /// is UTC; a TZID must map to an IANA zone (see `TimeZoneNames`).
    func zone(of property: OpaquePointer, value: icaltimetype, name: String) throws -> ICSZone {
        if value.is_date != 0 { return .floating }
        if icaltime_is_utc(value) != 0 { return .zone(TimeZone(identifier: "UTC")!) }
        guard let tzid = Libical.tzid(property) else { return .floating }
        guard let zone = document.zone(forTZID: tzid) else {
            throw error(.unknownTimeZone, "\(name) has TZID '\(tzid)', which is not an IANA or Windows time zone name, "
                        + "and no VTIMEZONE in the file with that TZID has the rules of an IANA zone; "
                        + "export the calendar with IANA zone names (e.g. TZID=Europe/Paris)", property: name)
        }
        return .zone(zone)
    }

    /// The recurrence set's EXDATE, RDATE values in the event's zone. A DATE given for a
    /// timed event means that day at DTSTART's time; an RDATE PERIOD counts by its start.
    func recurrenceDates(start: ICSTime) throws -> (exdates: [LocalDateTime], rdates: [LocalDateTime]) {
        func inEventZone(_ time: ICSTime) -> LocalDateTime {
            if time.isDate && !start.isDate { return LocalDateTime(date: time.local.date, time: start.local.time) }
            if start.isDate { return LocalDateTime(date: time.local.date, time: LocalTimeOfDay(hour: 0)) }
            return time.local(in: start.zone)
        }
        var exdates: [LocalDateTime] = []
        for property in all(ICAL_EXDATE_PROPERTY) {
            exdates.append(inEventZone(try time(property, icalproperty_get_exdate(property), name: "EXDATE")))
        }
        var rdates: [LocalDateTime] = []
        for property in all(ICAL_RDATE_PROPERTY) {
            let value = icalproperty_get_rdate(property)
            let moment = icaltime_is_null_time(value.time) == 0 ? value.time : value.period.start
            rdates.append(inEventZone(try time(property, moment, name: "RDATE")))
        }
        return (exdates, rdates)
    }

    /// SEQUENCE (0 when absent) and LAST-MODIFIED, else DTSTAMP, as an instant (a value
    /// without "Z" read as UTC, which RFC 5545 §3.8.7 requires anyway).
    func version() throws -> EventVersion {
        var sequence = 0
        if let property = first(ICAL_SEQUENCE_PROPERTY) {
            sequence = Int(icalproperty_get_sequence(property))
            guard sequence >= 0 else {
                throw error(.invalidCalendar, "SEQUENCE is \(sequence); it counts revisions from 0 (RFC 5545 §3.8.7.4)", property: "SEQUENCE")
            }
        }
        var stamp: Date?
        for (kind, name) in [(ICAL_LASTMODIFIED_PROPERTY, "LAST-MODIFIED"), (ICAL_DTSTAMP_PROPERTY, "DTSTAMP")] {
            guard let property = first(kind) else { continue }
            let value = kind == ICAL_LASTMODIFIED_PROPERTY ? icalproperty_get_lastmodified(property) : icalproperty_get_dtstamp(property)
            stamp = try time(property, value, name: name).instant(floatingIn: TimeZone(identifier: "UTC")!)
            break
        }
        return EventVersion(sequence: sequence, stamp: stamp)
    }

    /// The single RRULE value, checked; nil when there is none.
    func rrule() throws -> String? {
        let rules = all(ICAL_RRULE_PROPERTY)
        guard let property = rules.first else { return nil }
        guard rules.count == 1 else {
            throw error(.invalidRecurrenceRule, "the event has \(rules.count) RRULEs (RFC 5545 deprecates more than one); "
                        + "split it into one event per rule", property: "RRULE")
        }
        guard let text = Libical.text(property) else { return nil }
        do {
            _ = try RecurrenceRule(parsing: text)
        } catch let error as CalendarError {
            throw locate(error, property: "RRULE")
        }
        return text
    }
}
