import Foundation

/// Times as a person reads them, always in a zone the caller names (the user's
/// `[user] time_zone`, or a contact's): never `TimeZone.current`. English names, 24-hour
/// clock. `--json` keeps UTC ISO 8601; this is for sentences, tables and mail.
public enum HumanTime {
    /// "Tue 1 Dec 09:30"; "Tue 1 Dec 2027 09:30" when the year is not `now`'s (in `zone`).
    public static func moment(_ date: Date, in zone: TimeZone, now: Date? = nil) -> String {
        format(date, zone, showsYear(date, zone, now) ? "EEE d MMM yyyy HH:mm" : "EEE d MMM HH:mm")
    }

    /// "Tue 1 Dec"; with the year when it is not `now`'s.
    public static func day(_ date: Date, in zone: TimeZone, now: Date? = nil) -> String {
        format(date, zone, showsYear(date, zone, now) ? "EEE d MMM yyyy" : "EEE d MMM")
    }

    /// "1 Dec 2026".
    public static func date(_ date: Date, in zone: TimeZone) -> String { format(date, zone, "d MMM yyyy") }

    /// "Tuesday 1 December" (an agenda heading).
    public static func longDay(_ date: Date, in zone: TimeZone) -> String { format(date, zone, "EEEE d MMMM") }

    /// "09:30".
    public static func clock(_ date: Date, in zone: TimeZone) -> String { format(date, zone, "HH:mm") }

    /// "09:30:01".
    public static func clockWithSeconds(_ date: Date, in zone: TimeZone) -> String { format(date, zone, "HH:mm:ss") }

    /// A time that matters to someone elsewhere: "Tue 1 Dec 09:30 their time (Asia/Tokyo),
    /// Tue 1 Dec 01:30 yours", the day left out of "yours" when it is the same day there and
    /// here; just `moment` when both zones keep the same wall clock at that instant.
    public static func theirs(_ date: Date, contactZone: TimeZone, userZone: TimeZone, now: Date? = nil) -> String {
        let mine = moment(date, in: userZone, now: now)
        guard contactZone.secondsFromGMT(for: date) != userZone.secondsFromGMT(for: date) else { return mine }
        let sameDay = LocalDate(date, in: contactZone) == LocalDate(date, in: userZone)
        return "\(moment(date, in: contactZone, now: now)) their time (\(contactZone.identifier)), "
            + (sameDay ? clock(date, in: userZone) : mine) + " yours"
    }

    /// The same, by the clock only: "09:30 their time (Asia/Tokyo), 01:30 yours", with
    /// the day on "yours" when it differs ("09:30 their time (Pacific/Auckland), Mon 30 Nov 21:30 yours").
    public static func theirClock(_ date: Date, contactZone: TimeZone, userZone: TimeZone) -> String {
        let sameDay = LocalDate(date, in: contactZone) == LocalDate(date, in: userZone)
        return "\(clock(date, in: contactZone)) their time (\(contactZone.identifier)), "
            + (sameDay ? clock(date, in: userZone) : moment(date, in: userZone)) + " yours"
    }

    /// `date` in `zone` with a DateFormatter pattern, English names. The fields used here
    /// (EEE, EEEE, d, MMM, MMMM, yyyy, HH, mm, ss) are written directly from the wall
    /// clock: an ICU formatter's first use cost a `relancectl remind` ≈ 1 ms of its ≈ 10
    /// (issue #15). Any other pattern goes to DateFormatter.
    public static func format(_ date: Date, _ zone: TimeZone, _ pattern: String) -> String {
        guard let fields = PatternField.parse(pattern) else { return formatter(pattern, zone).string(from: date) }
        let local = LocalDateTime(date, in: zone)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var text = ""
        for field in fields {
            switch field {
            case .literal(let literal): text += literal
            case .weekday(let long):
                let name = local.date.weekday.name
                text += name.prefix(1).uppercased() + (long ? name.dropFirst() : name.dropFirst().prefix(2))
            case .day: text += String(local.date.day)
            case .month(let long):
                let name = monthNames[local.date.month - 1]
                text += long ? name : String(name.prefix(3))
            case .year: text += padded(local.date.year, 4)
            case .hour: text += padded(local.time.hour, 2)
            case .minute: text += padded(local.time.minute, 2)
            case .second: text += padded(local.time.second, 2)
            }
        }
        return text
    }

    private static let monthNames = ["January", "February", "March", "April", "May", "June", "July",
                                     "August", "September", "October", "November", "December"]

    /// A pattern's fields, or nil when it uses one `format` does not write itself.
    private enum PatternField {
        case literal(String), weekday(long: Bool), day, month(long: Bool), year, hour, minute, second

        static func parse(_ pattern: String) -> [PatternField]? {
            var fields: [PatternField] = []
            var rest = Substring(pattern)
            while let first = rest.first {
                let run = rest.prefix { $0 == first }
                rest = rest.dropFirst(run.count)
                switch (first, run.count) {
                case ("E", 3), ("E", 4): fields.append(.weekday(long: run.count == 4))
                case ("d", 1): fields.append(.day)
                case ("M", 3), ("M", 4): fields.append(.month(long: run.count == 4))
                case ("y", 4): fields.append(.year)
                case ("H", 2): fields.append(.hour)
                case ("m", 2): fields.append(.minute)
                case ("s", 2): fields.append(.second)
                case (" ", _), (":", _), (",", _), ("-", _), (".", _), ("/", _): fields.append(.literal(String(run)))
                default: return nil
                }
            }
            return fields
        }
    }

    /// One formatter per pattern and zone, per thread. Making a DateFormatter builds an
    /// ICU formatter: it was 44 % of importing a large calendar (every reminder's text
    /// names its time), all of it inside the write transaction. A formatter is not
    /// shared between threads, so each thread keeps its own.
    private static func formatter(_ pattern: String, _ zone: TimeZone) -> DateFormatter {
        let key = "relance.HumanTime|\(pattern)|\(zone.identifier)"
        let cache = Thread.current.threadDictionary
        if let formatter = cache[key] as? DateFormatter, formatter.timeZone == zone { return formatter }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = pattern
        cache[key] = formatter
        return formatter
    }

    private static func showsYear(_ date: Date, _ zone: TimeZone, _ now: Date?) -> Bool {
        guard let now else { return false }
        return LocalDate(date, in: zone).year != LocalDate(now, in: zone).year
    }
}

/// Zone names a person and a script can rely on.
public enum ZoneName {
    /// The IANA name for `zone`: Foundation calls UTC "GMT" (`TZ=UTC`,
    /// `TimeZone(identifier: "UTC")`); people and `Status.timeZone` read `Etc/UTC`.
    public static func iana(_ zone: TimeZone) -> TimeZone {
        zone.identifier == "GMT" || zone.identifier == "UTC" ? TimeZone(identifier: "Etc/UTC") ?? zone : zone
    }
}
