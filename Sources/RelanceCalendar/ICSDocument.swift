import CICal
import Foundation
import RelanceCore

/// An iCalendar text parsed by libical, with what libical does not keep: the line each
/// VEVENT starts on, so errors can point at it.
///
/// A class because it owns the libical component tree, freed once in `deinit`. Not
/// `Sendable`: it lives inside one parse call.
final class ICSDocument {
    /// The root component: a VCALENDAR, an XROOT holding several, or a bare VEVENT.
    private let root: OpaquePointer
    /// The physical lines of the text, for locating properties.
    private let lines: [Substring]
    /// The VEVENTs in document order.
    let events: [ICSEventNode]

    /// The longest physical line accepted, in bytes. RFC 5545 folds lines at 75 octets;
    /// libical reads an unfolded line in time quadratic in its length (a calendar written
    /// on one 8 MiB line took 33 s), and no calendar program writes such lines.
    static let maximumLineLength = 256 * 1024

    /// RRULE and EXRULE lines with their separators escaped as TEXT values are
    /// ("RRULE:FREQ=DAILY\\;COUNT=10", written by Ruby's icalendar and read by Python's
    /// icalendar and vobject): the backslashes dropped, so libical reads the rule.
    /// The lines stay where they are, so line numbers stay right.
    static func unescapingRecurrenceRules(_ text: String) -> String {
        guard text.contains("\\;") || text.contains("\\,") else { return text }
        // Split by scalar: "\r\n" is one Character, and its "\r" stays on the line.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .map { String(String.UnicodeScalarView($0)) }
        for index in lines.indices {
            let upper = lines[index].prefix(7).uppercased()
            guard upper.hasPrefix("RRULE:") || upper.hasPrefix("EXRULE:") else { continue }
            lines[index] = lines[index].replacingOccurrences(of: "\\;", with: ";").replacingOccurrences(of: "\\,", with: ",")
        }
        return lines.joined(separator: "\n")
    }

    /// Parses `text`; throws `invalidCalendar` when libical finds no component in it, or
    /// when a line is longer than `maximumLineLength`.
    init(text: String) throws {
        // A byte-order mark (Windows exports) would hide the first BEGIN from libical.
        var text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        try Self.checkLineLengths(text)
        text = Self.unescapingRecurrenceRules(text)
        guard let root = icalparser_parse_string(text) else {
            throw CalendarError(.invalidCalendar,
                                "this is not an iCalendar file: expected BEGIN:VCALENDAR … END:VCALENDAR with every BEGIN closed by its END")
        }
        self.root = root
        // Character.isNewline also matches "\r\n", which Swift keeps as one Character.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        self.lines = lines

        var components: [OpaquePointer] = []
        Self.collectEvents(in: root, into: &components)
        // Folded continuation lines start with a space, so they never match here.
        let begins = lines.indices.filter { Self.isLine(lines[$0], "BEGIN:VEVENT") }
        let ends = lines.indices.filter { Self.isLine(lines[$0], "END:VEVENT") }
        // libical keeps document order; if it dropped or added a VEVENT the count differs,
        // or an END comes before its BEGIN (found by fuzzing: a trap on the range), and we
        // give no line numbers rather than wrong ones.
        let located = begins.count == components.count && ends.count == components.count
            && zip(begins, ends).allSatisfy { $0 < $1 }
        var events: [ICSEventNode] = []
        for (index, component) in components.enumerated() {
            let range = located ? (begins[index] + 1)...(ends[index] + 1) : nil
            events.append(ICSEventNode(component: component, lines: range))
        }
        self.events = events
    }

    deinit { icalcomponent_free(root) }

    private static func checkLineLengths(_ text: String) throws {
        var line = 1
        var length = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") {
                line += 1
                length = 0
                continue
            }
            length += 1
            if length > maximumLineLength {
                throw CalendarError(.invalidCalendar,
                                    "the line is longer than \(maximumLineLength / 1024) KiB; iCalendar lines are folded at 75 octets (RFC 5545 §3.1): export the calendar again from its app, or fold the line",
                                    line: line)
            }
        }
    }

    private static func isLine(_ line: Substring, _ expected: String) -> Bool {
        line.trimmingCharacters(in: .whitespaces).caseInsensitiveCompare(expected) == .orderedSame
            && !(line.first?.isWhitespace ?? false)
    }

    private static func collectEvents(in component: OpaquePointer, into events: inout [OpaquePointer]) {
        if icalcomponent_isa(component) == ICAL_VEVENT_COMPONENT {
            events.append(component)
            return
        }
        for child in Libical.children(of: component, kind: ICAL_ANY_COMPONENT) {
            collectEvents(in: child, into: &events)
        }
    }

    /// The 1-based line, within `range`, where property `name` is written, if found.
    func line(ofProperty name: String, in range: ClosedRange<Int>?) -> Int? {
        guard let range else { return nil }
        let upper = name.uppercased()
        for number in range {
            let line = lines[number - 1].uppercased()
            if line.hasPrefix(upper + ":") || line.hasPrefix(upper + ";") { return number }
        }
        return nil
    }

    /// The IANA zone a TZID parameter names, or nil when nothing maps it to one: by name
    /// (`TimeZoneNames`, with the VTIMEZONE's X-LIC-LOCATION), else by the rules of the
    /// file's own VTIMEZONE with that TZID (`VTimezoneMatcher`), over the years of the
    /// file's events. Resolved once per TZID.
    func zone(forTZID tzid: String) -> TimeZone? {
        if let known = resolvedZones[tzid] { return known }
        let vtimezone = self.vtimezone(tzid)
        var zone = TimeZoneNames.zone(forTZID: tzid, location: vtimezone.flatMap(Self.location(of:)))
        if zone == nil, let vtimezone {
            zone = VTimezoneMatcher.match(vtimezone, tzid: tzid, years: eventYears)
        }
        resolvedZones[tzid] = .some(zone)
        return zone
    }

    /// TZID → zone (nil: none), filled by `zone(forTZID:)`.
    private var resolvedZones: [String: TimeZone?] = [:]

    /// The years a VTIMEZONE's rules are compared over: the latest DTSTART year of the
    /// file's events and the years either side (a file written today describes today's
    /// rules; older years may follow rules since changed).
    private lazy var eventYears: ClosedRange<Int> = {
        let years = events.compactMap { event -> Int? in
            let start = icalcomponent_get_dtstart(event.component)
            return icaltime_is_null_time(start) == 0 ? Int(start.year) : nil
        }
        // Within 1900–2100: libical expands a VTIMEZONE's rules year by year from their
        // start, so an event dated 4024 made one file take 24 s (found by fuzzing); no
        // zone's rules are known that far out anyway.
        let latest = min(max(years.max() ?? 2026, Self.matchedYears.lowerBound), Self.matchedYears.upperBound)
        return (latest - 1)...(latest + 1)
    }()

    /// The years a VTIMEZONE's rules are ever compared over.
    static let matchedYears = 1901...2099

    /// The VTIMEZONE with TZID `tzid`, anywhere in the file.
    private func vtimezone(_ tzid: String) -> OpaquePointer? {
        var calendars = [root]
        calendars += Libical.children(of: root, kind: ICAL_VCALENDAR_COMPONENT)
        for calendar in calendars {
            for timezone in Libical.children(of: calendar, kind: ICAL_VTIMEZONE_COMPONENT)
            where Libical.properties(of: timezone, kind: ICAL_TZID_PROPERTY).first.flatMap(Libical.text) == tzid {
                return timezone
            }
        }
        return nil
    }

    /// The X-LIC-LOCATION of `vtimezone`.
    private static func location(of vtimezone: OpaquePointer) -> String? {
        for property in Libical.properties(of: vtimezone, kind: ICAL_X_PROPERTY) {
            if let name = icalproperty_get_x_name(property), String(cString: name).uppercased() == "X-LIC-LOCATION" {
                return Libical.text(property)
            }
        }
        return nil
    }
}

/// One VEVENT of an `ICSDocument`, with the lines it spans when known.
struct ICSEventNode {
    /// The libical VEVENT; valid while its document lives.
    let component: OpaquePointer
    /// Its BEGIN:VEVENT … END:VEVENT lines, 1-based, when they could be matched.
    let lines: ClosedRange<Int>?
}

/// Where a DATE or DATE-TIME value was written, per RFC 5545 §3.3.5: as a floating local
/// time, in UTC ("Z"), or in the zone of a TZID parameter.
enum ICSZone: Hashable {
    case floating
    case zone(TimeZone)
}

/// A DATE or DATE-TIME property value as written.
struct ICSTime {
    /// The written wall-clock fields (midnight for a DATE).
    var local: LocalDateTime
    /// Whether it is a DATE (VALUE=DATE) rather than a DATE-TIME.
    var isDate: Bool
    /// The zone it is written in.
    var zone: ICSZone

    /// The same moment as wall-clock time in `target`. A floating value is taken as
    /// already written in `target`; a zoned value converted to a floating target keeps
    /// its written wall-clock time, since there is no instant to convert through.
    func local(in target: ICSZone) -> LocalDateTime {
        guard case .zone(let source) = zone, case .zone(let destination) = target, source != destination else { return local }
        return LocalDateTime(local.instant(in: source), in: destination)
    }

    /// The instant, reading a floating value in `fallback`.
    func instant(floatingIn fallback: TimeZone) -> Date {
        if case .zone(let source) = zone { return local.instant(in: source) }
        return local.instant(in: fallback)
    }
}

/// Small helpers over libical's C API.
enum Libical {
    /// Serialises every use of libical from this module. libical 3.0 keeps process-wide
    /// state that is not safe to touch from several threads at once (the lazily built
    /// zone table behind `icaltimezone_get_utc_timezone`, which parsing any "…Z" value
    /// reaches; see libical issue #86), and the daemon calls us from several threads.
    /// Recursive, because public entry points call one another.
    private static let lock = NSRecursiveLock()

    /// Runs `body` holding the libical lock; every public entry point goes through here.
    static func serialized<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// The children of `component` of `kind`, collected first so nested walks do not
    /// disturb libical's one-per-component internal iterator.
    static func children(of component: OpaquePointer, kind: icalcomponent_kind) -> [OpaquePointer] {
        var result: [OpaquePointer] = []
        var child = icalcomponent_get_first_component(component, kind)
        while let current = child {
            result.append(current)
            child = icalcomponent_get_next_component(component, kind)
        }
        return result
    }

    /// The properties of `component` of `kind`, in order.
    static func properties(of component: OpaquePointer, kind: icalproperty_kind) -> [OpaquePointer] {
        var result: [OpaquePointer] = []
        var property = icalcomponent_get_first_property(component, kind)
        while let current = property {
            result.append(current)
            property = icalcomponent_get_next_property(component, kind)
        }
        return result
    }

    /// A property's value as text: unescaped for TEXT ("a\, b" → "a, b") and URI values,
    /// libical's serialisation otherwise.
    static func text(_ property: OpaquePointer) -> String? {
        guard let value = icalproperty_get_value(property) else { return nil }
        switch icalvalue_isa(value) {
        case ICAL_TEXT_VALUE:
            return icalvalue_get_text(value).map { String(cString: $0) }
        case ICAL_URI_VALUE:
            return icalvalue_get_uri(value).map { String(cString: $0) }
        case ICAL_X_VALUE:
            return icalvalue_get_x(value).map { String(cString: $0) }
        default:
            guard let text = icalproperty_get_value_as_string_r(property) else { return nil }
            defer { free(text) }
            return String(cString: text)
        }
    }

    /// The value of `property`'s TZID parameter, if any.
    static func tzid(_ property: OpaquePointer) -> String? {
        guard let parameter = icalproperty_get_first_parameter(property, ICAL_TZID_PARAMETER),
              let tzid = icalparameter_get_tzid(parameter) else { return nil }
        return String(cString: tzid)
    }
}
