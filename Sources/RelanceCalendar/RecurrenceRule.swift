import CICal
import Foundation
import RelanceCore

/// An RRULE value checked and parsed by libical (RFC 5545 §3.3.10).
///
/// libical only reports "malformed data" for a bad rule, never which part is wrong, so we
/// first read the parts ourselves to give a message a person can act on, and let libical
/// have the last word.
struct RecurrenceRule {
    /// The rule as libical holds it; `until` may be rewritten by `anchoredUntil`.
    var value: icalrecurrencetype
    /// The text it came from, trimmed, for messages.
    let text: String

    /// A rule to show in "write e.g." hints.
    static let example = "FREQ=WEEKLY;BYDAY=TU"

    /// The parts RFC 5545 defines; RSCALE and SKIP (RFC 7529) are refused on purpose.
    static let knownParts: Set<String> = [
        "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
        "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
    ]

    /// The frequencies Relance expands. Sub-daily ones are refused: a reminder app has no
    /// use for them, and libical 3.0 can spin for seconds to hours inside a single
    /// `icalrecur_iterator_next` call on a sub-daily rule no date satisfies
    /// (FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30 took 8 s, FREQ=SECONDLY never returned), which
    /// no step budget on our side can interrupt.
    static let frequencies = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]

    /// Parses and checks `raw`, throwing a `CalendarError` that names the faulty part.
    init(parsing raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        self.text = text
        func invalid(_ reason: String, fix: String = "write e.g. \(RecurrenceRule.example)") -> CalendarError {
            CalendarError(.invalidRecurrenceRule, "'\(text)' is not a valid RRULE: \(reason); \(fix)")
        }

        guard !text.isEmpty else { throw invalid("it is empty") }
        if text.uppercased().hasPrefix("RRULE:") {
            throw invalid("the value goes without its 'RRULE:' prefix",
                          fix: "write '\(text.dropFirst("RRULE:".count))'")
        }

        var parts: [(name: String, value: String)] = []
        for piece in text.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else {
                throw invalid("'\(piece)' is not a NAME=VALUE part")
            }
            let name = pair[0].uppercased()
            guard Self.knownParts.contains(name) else {
                if name == "RSCALE" || name == "SKIP" {
                    throw invalid("Relance expands Gregorian rules only", fix: "remove \(name) (RFC 7529)")
                }
                throw invalid("'\(pair[0])' is not an RRULE part (RFC 5545 §3.3.10 has FREQ, UNTIL, COUNT, "
                              + "INTERVAL, BYSECOND, BYMINUTE, BYHOUR, BYDAY, BYMONTHDAY, BYYEARDAY, BYWEEKNO, "
                              + "BYMONTH, BYSETPOS and WKST)")
            }
            guard !parts.contains(where: { $0.name == name }) else { throw invalid("\(name) appears twice") }
            parts.append((name, String(pair[1])))
        }
        guard let frequency = parts.first(where: { $0.name == "FREQ" })?.value.uppercased() else {
            throw invalid("it has no FREQ part")
        }
        if ["HOURLY", "MINUTELY", "SECONDLY"].contains(frequency) {
            throw invalid("Relance repeats events at most daily, not FREQ=\(frequency)",
                          fix: "for several times a day write e.g. FREQ=DAILY;BYHOUR=9,14")
        }
        guard Self.frequencies.contains(frequency) else {
            throw invalid("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not '\(parts.first { $0.name == "FREQ" }!.value)'")
        }
        if parts.contains(where: { $0.name == "COUNT" }) && parts.contains(where: { $0.name == "UNTIL" }) {
            throw invalid("COUNT and UNTIL exclude each other", fix: "keep one of them")
        }

        guard let value = Self.libicalParse(text) else {
            // Name the part libical refuses by trying each one alone with the same FREQ.
            for part in parts where part.name != "FREQ" {
                if Self.libicalParse("FREQ=\(frequency);\(part.name)=\(part.value)") == nil {
                    throw invalid("\(part.name)=\(part.value) is malformed or out of range")
                }
            }
            throw invalid("libical refuses it")
        }
        self.value = value

        // An ordinal BYDAY no month (or year) has: libical finds that out too, but only
        // after walking dates for most of a second, holding its lock. Arithmetic is enough.
        if let byDay = parts.first(where: { $0.name == "BYDAY" })?.value {
            let limit = frequency == "YEARLY" && !parts.contains(where: { $0.name == "BYMONTH" }) ? 53 : 5
            for day in byDay.split(separator: ",") {
                let ordinal = day.prefix { "+-0123456789".contains($0) }
                if let number = Int(ordinal), abs(number) > limit || number == 0 {
                    throw invalid("no date can ever match it: BYDAY=\(day) asks for a weekday that never occurs \(abs(number)) times "
                                  + "in a \(limit == 53 ? "year" : "month")",
                                  fix: "check its BYDAY, BYMONTHDAY and BYMONTH parts against each other")
                }
            }
        }

        // libical refuses to build an iterator for a rule no date can satisfy
        // (BYDAY=6TU, BYMONTH=2 with BYMONTHDAY=30 under FREQ=WEEKLY…); say so now rather
        // than at expansion time. The probe DTSTART does not matter for these checks.
        var probeStart = icaltime_null_time()
        probeStart.year = 2026; probeStart.month = 1; probeStart.day = 1; probeStart.hour = 12
        guard let probe = icalrecur_iterator_new(value, probeStart) else {
            throw invalid("no date can ever match it", fix: "check its BYDAY, BYMONTHDAY and BYMONTH parts against each other")
        }
        icalrecur_iterator_free(probe)
    }

    /// libical's parse, or nil when it reports an error. A failed parse shows as FREQ
    /// `ICAL_NO_RECURRENCE` (a rule without FREQ even parses with no error set), and as
    /// `icalerrno` = `ICAL_MALFORMEDDATA_ERROR`; both are checked. `icalerrno` is
    /// thread-local in libical 3, so clearing it first is safe under concurrency.
    static func libicalParse(_ text: String) -> icalrecurrencetype? {
        icalerror_clear_errno()
        let rule = icalrecurrencetype_from_string(text)
        let failed = icalerrno_return().pointee != ICAL_NO_ERROR || rule.freq == ICAL_NO_RECURRENCE
        icalerror_clear_errno()
        return failed ? nil : rule
    }

    /// Whether the rule has a COUNT part.
    var count: Int? { value.count > 0 ? Int(value.count) : nil }

    /// Rewrites UNTIL so libical can compare it with floating wall-clock occurrences.
    ///
    /// - A UTC UNTIL ("…Z", what RFC 5545 §3.3.10 requires when DTSTART has a TZID) becomes
    ///   the wall-clock time in `zone`: libical would otherwise compare it with our floating
    ///   times as if those were UTC, dropping or keeping the last occurrence by mistake.
    /// - A DATE UNTIL with a DATE-TIME DTSTART becomes the end of that day, so the day
    ///   itself is included (libical orders any time of a day after the bare date).
    mutating func anchorUntil(in zone: TimeZone) {
        let until = value.until
        guard icaltime_is_null_time(until) == 0 else { return }
        if icaltime_is_utc(until) != 0 {
            let instant = LocalDateTime(libical: until).instant(in: TimeZone(identifier: "UTC")!)
            value.until = icaltimetype(floating: LocalDateTime(instant, in: zone))
        } else if until.is_date != 0 {
            let local = LocalDateTime(libical: until)
            value.until = icaltimetype(floating: LocalDateTime(date: local.date, time: LocalTimeOfDay(hour: 23, minute: 59, second: 59)))
        }
    }
}

extension icaltimetype {
    /// A floating (zone-less) DATE-TIME at `local`: libical then expands in wall-clock time.
    init(floating local: LocalDateTime) {
        self.init(year: Int32(local.date.year), month: Int32(local.date.month), day: Int32(local.date.day),
                  hour: Int32(local.time.hour), minute: Int32(local.time.minute), second: Int32(local.time.second),
                  is_date: 0, is_daylight: 0, zone: nil)
    }
}

extension LocalDateTime {
    /// The wall-clock fields of a libical time, ignoring its zone (a DATE is midnight).
    /// A leap second (:60) is read as :59, which Foundation can represent.
    init(libical time: icaltimetype) {
        let isDate = time.is_date != 0
        self.init(date: LocalDate(year: Int(time.year), month: Int(time.month), day: Int(time.day)),
                  time: LocalTimeOfDay(hour: isDate ? 0 : Int(time.hour), minute: isDate ? 0 : Int(time.minute),
                                       second: isDate ? 0 : min(Int(time.second), 59)))
    }

    /// The same wall-clock time with 24:00 written as 00:00 the next day, as libical wants.
    var normalized: LocalDateTime {
        guard time.hour >= 24 else { return self }
        return LocalDateTime(date: date.adding(days: 1), time: LocalTimeOfDay(hour: 0))
    }
}
