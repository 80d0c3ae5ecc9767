import Foundation

/// Writes a VTIMEZONE for an IANA zone from the system's time zone database, so
/// `DTSTART;TZID=Europe/Paris:…` is defined inside the file as RFC 5545 §3.6.5 requires
/// (clients that know the IANA name use their own rules anyway).
///
/// Each transition in the years covered becomes an onset: transitions with the same
/// kind and offsets share one STANDARD or DAYLIGHT component (DTSTART plus RDATEs).
/// Explicit dates rather than a guessed yearly RRULE, because they are exactly what the
/// database says, including past rule changes.
enum VTimeZoneBuilder {
    /// The VTIMEZONE of `zone` covering the instants from `start` through `end`.
    static func write(_ zone: TimeZone, from start: Date, through end: Date, into writer: inout ContentLineWriter) {
        struct Onset: Hashable {
            var isDaylight: Bool
            var from: Int
            var to: Int
            var name: String?
        }
        var groups: [(onset: Onset, locals: [String])] = []
        func add(_ onset: Onset, at instant: Date) {
            // DTSTART and RDATE of an observance are in the local time before the change.
            let local = ICalendarDate.utc(instant.addingTimeInterval(TimeInterval(onset.from))).dropLast()
            if let index = groups.firstIndex(where: { $0.onset == onset }) {
                groups[index].locals.append(String(local))
            } else {
                groups.append((onset, [String(local)]))
            }
        }

        let initialOffset = zone.secondsFromGMT(for: start)
        add(Onset(isDaylight: zone.isDaylightSavingTime(for: start), from: initialOffset, to: initialOffset,
                  name: zone.abbreviation(for: start)), at: start)
        var cursor = start
        while let transition = zone.nextDaylightSavingTimeTransition(after: cursor), transition <= end {
            let from = zone.secondsFromGMT(for: transition.addingTimeInterval(-1))
            let to = zone.secondsFromGMT(for: transition)
            if from != to {
                add(Onset(isDaylight: zone.isDaylightSavingTime(for: transition), from: from, to: to,
                          name: zone.abbreviation(for: transition)), at: transition)
            }
            cursor = transition
        }

        writer.line("BEGIN", "VTIMEZONE")
        writer.line("TZID", zone.identifier)
        // Evolution, Thunderbird and libical read the IANA name from here.
        writer.line("X-LIC-LOCATION", zone.identifier)
        for (onset, locals) in groups {
            let kind = onset.isDaylight ? "DAYLIGHT" : "STANDARD"
            writer.line("BEGIN", kind)
            writer.line("DTSTART", locals[0])
            for local in locals.dropFirst() { writer.line("RDATE", local) }
            writer.line("TZOFFSETFROM", offset(onset.from))
            writer.line("TZOFFSETTO", offset(onset.to))
            // Foundation on Linux answers "GMT+1" where there is no abbreviation; that
            // says nothing TZOFFSETTO does not, so only real abbreviations (CET, EST) go out.
            if let name = onset.name, !name.isEmpty, !name.hasPrefix("GMT+"), !name.hasPrefix("GMT-") {
                writer.text("TZNAME", name)
            }
            writer.line("END", kind)
        }
        writer.line("END", "VTIMEZONE")
    }

    /// `+0130`, `-0500` (RFC 5545 §3.3.14 utc-offset; seconds only when not zero).
    static func offset(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(seconds)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let text = sign + two(magnitude / 3600) + two(magnitude / 60 % 60)
        return magnitude % 60 == 0 ? text : text + two(magnitude % 60)
    }
}
