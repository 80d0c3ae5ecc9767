import Foundation

/// Turns what a person types for "when" into an instant.
///
/// Accepted, in `timeZone` unless the text carries an offset:
/// `2026-12-01T09:00:00Z`, `2026-12-01T09:00+01:00`, `2026-12-01 09:00`, `2026-12-01`
/// (09:00), `today 18:00`, `tomorrow`, `tomorrow 9:30`, `monday 10:00` (the next Monday
/// after today), `18:00` (today, or tomorrow if already past), and durations from now:
/// `in 2h`, `in 3 days`, `PT2S`, `P1D`.
/// A wall-clock time that does not exist (spring forward) moves forward by the gap; an
/// ambiguous one (fall back) means its first occurrence.
///
/// A command that looks back (`inbox --since`) reads the same words the other way:
/// `monday` is the last Monday (today if it is Monday), `yesterday`, `last week` (from
/// its Monday), `3 days ago`, `P1D` (a day ago); a day alone means its start (00:00).
public enum WhenExpression {
    /// Which way a command looks from now.
    public enum Direction: Sendable {
        /// Reminders, meetings, snoozes: the next such time.
        case ahead
        /// Filters over what already happened: the last such time.
        case back
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let text: String
        /// Why, when there is more to say than "cannot read it".
        public var reason: String?
        public var direction: Direction = .ahead

        public init(text: String, reason: String? = nil, direction: Direction = .ahead) {
            self.text = text; self.reason = reason; self.direction = direction
        }

        public var description: String {
            let examples = direction == .ahead
                ? "write e.g. '2026-12-01 09:00', 'tomorrow 9:30', 'friday 14:00', 'in 2h' or 'PT2S'"
                : "write e.g. 'yesterday', 'monday' (the last Monday), 'last week', '3 days ago' or '2026-11-23'"
            return "cannot read '\(text)' as a time\(reason.map { " (\($0))" } ?? ""); \(examples)"
        }
    }

    /// The default time of day when only a day is given.
    public static let defaultHour = 9

    public static func parse(_ text: String, now: Date, timeZone: TimeZone, looking direction: Direction = .ahead) throws -> Date {
        let trimmed = Blanks.trimmingWhitespace(text)
        let lower = trimmed.lowercased()
        // Only a text starting with a digit can be an ISO instant: "tomorrow 9:30" skips
        // the two parsers, whose failures were ≈ 2 % of its `Remind` (issue #15).
        if startsWithDigit(trimmed) {
            if let date = try? Date(trimmed, strategy: .iso8601) { return date }
            if let date = parseISOWithOffsetNoSeconds(trimmed) { return date }
        }
        if direction == .back { return try parseBack(trimmed, now: now, timeZone: timeZone) }
        if lower.hasPrefix("p"), let duration = try? ISODuration(parsing: trimmed) {
            return duration.added(to: now, in: timeZone)
        }
        if lower.hasPrefix("in "), let duration = parseRelative(String(lower.dropFirst(3))) {
            return duration.added(to: now, in: timeZone)
        }
        let lowerWords = lower.split(separator: " ")
        if ["yesterday", "last", "ago", "this"].contains(where: { lowerWords.contains(Substring($0)) }) {
            throw ParseError(text: text, reason: "that is in the past; this command looks ahead")
        }
        let calendar = gregorian(in: timeZone)
        var spaced = lower
        if let tRange = dateTRange(lower) { spaced.replaceSubrange(tRange, with: " ") }
        let words = spaced.split(separator: " ").map(String.init)
        guard let first = words.first, words.count <= 2 else { throw ParseError(text: text) }

        var dayStart: Date?
        var time: (hour: Int, minute: Int, second: Int)?
        if words.count == 2 {
            guard let parsed = parseTime(words[1]) else { throw ParseError(text: text) }
            time = parsed
        }
        let today = startOfDay(for: now, calendar: calendar)
        switch first {
        case "today": dayStart = today
        case "tomorrow": dayStart = calendar.date(byAdding: .day, value: 1, to: today)
        default:
            if let weekday = weekdays[first] {
                // The next such day strictly after today.
                var next = calendar.date(byAdding: .day, value: 1, to: today)!
                while calendar.component(.weekday, from: next) != weekday {
                    next = calendar.date(byAdding: .day, value: 1, to: next)!
                }
                dayStart = next
            } else if let ymd = parseDate(first) {
                var components = DateComponents()
                components.year = ymd.year; components.month = ymd.month; components.day = ymd.day
                components.hour = 12
                guard let noon = calendar.date(from: components),
                      calendar.component(.day, from: noon) == ymd.day else { throw ParseError(text: text) }
                dayStart = calendar.startOfDay(for: noon)
            } else if words.count == 1, let onlyTime = parseTime(first) {
                let candidate = wallClock(onlyTime, on: today, calendar: calendar)
                return candidate > now ? candidate
                    : wallClock(onlyTime, on: calendar.date(byAdding: .day, value: 1, to: today)!, calendar: calendar)
            }
        }
        guard let dayStart else { throw ParseError(text: text) }
        return wallClock(time ?? (defaultHour, 0, 0), on: dayStart, calendar: calendar)
    }

    /// The instant of a wall-clock time on the day starting at `dayStart`, per the DST
    /// rule above (Foundation's `date(from:)` moves a skipped time forward by the gap and
    /// picks the first of two repeated times).
    public static func wallClock(_ time: (hour: Int, minute: Int, second: Int), on dayStart: Date, calendar: Calendar) -> Date {
        var components = calendar.dateComponents([.year, .month, .day], from: dayStart)
        components.hour = time.hour
        components.minute = time.minute
        components.second = time.second
        return calendar.date(from: components) ?? dayStart
    }

    /// The looking-back reading (see the type's comment).
    static func parseBack(_ text: String, now: Date, timeZone: TimeZone) throws -> Date {
        func fail(_ reason: String? = nil) -> ParseError { ParseError(text: text, reason: reason, direction: .back) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2  // weeks start on Monday (ISO 8601)
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        if lower.hasPrefix("p"), let duration = try? ISODuration(parsing: text.trimmingCharacters(in: .whitespaces)) {
            return duration.subtracted(from: now, in: timeZone)
        }
        if lower.hasSuffix(" ago"), let duration = parseRelative(String(lower.dropLast(4))) {
            return duration.subtracted(from: now, in: timeZone)
        }
        let words = lower.split(separator: " ").map(String.init)
        if words.first == "in" || words.first == "next" || words.first == "tomorrow" {
            throw fail("that is in the future; this command looks back")
        }
        let today = calendar.startOfDay(for: now)
        func weekStart(_ day: Date) -> Date { calendar.dateInterval(of: .weekOfYear, for: day)!.start }
        var dayStart: Date?
        var rest = words
        switch words.first {
        case "today"?: dayStart = today; rest.removeFirst()
        case "yesterday"?: dayStart = calendar.date(byAdding: .day, value: -1, to: today); rest.removeFirst()
        case "this"? where words.count == 2 && words[1] == "week": return weekStart(today)
        case "this"? where words.count == 2 && words[1] == "month": return calendar.dateInterval(of: .month, for: today)!.start
        case "last"? where words.count >= 2:
            switch words[1] {
            case "week": return weekStart(calendar.date(byAdding: .day, value: -7, to: today)!)
            case "month": return calendar.dateInterval(of: .month, for: calendar.date(byAdding: .month, value: -1, to: today)!)!.start
            case let name where weekdays[name] != nil:
                // "last monday": the Monday before today, never today.
                dayStart = lastWeekday(weekdays[name]!, before: today, calendar: calendar)
                rest.removeFirst(2)
            default: throw fail()
            }
        case let name? where weekdays[name] != nil:
            // "monday": the last Monday, today included.
            let tomorrow = calendar.date(byAdding: .day, value: 1, to: today)!
            dayStart = lastWeekday(weekdays[name]!, before: tomorrow, calendar: calendar)
            rest.removeFirst()
        case let first? where parseDate(first) != nil:
            let ymd = parseDate(first)!
            var components = DateComponents()
            components.year = ymd.year; components.month = ymd.month; components.day = ymd.day; components.hour = 12
            guard let noon = calendar.date(from: components), calendar.component(.day, from: noon) == ymd.day else { throw fail() }
            dayStart = calendar.startOfDay(for: noon)
            rest.removeFirst()
        case let first? where words.count == 1 && parseTime(first) != nil:
            let candidate = wallClock(parseTime(first)!, on: today, calendar: calendar)
            return candidate <= now ? candidate
                : wallClock(parseTime(first)!, on: calendar.date(byAdding: .day, value: -1, to: today)!, calendar: calendar)
        default: throw fail()
        }
        guard let dayStart, rest.count <= 1 else { throw fail() }
        guard let timeText = rest.first else { return dayStart }
        guard let time = parseTime(timeText) else { throw fail() }
        return wallClock(time, on: dayStart, calendar: calendar)
    }

    /// True when the text's first character is an ASCII digit (as every ISO 8601 date is).
    static func startsWithDigit(_ text: String) -> Bool {
        guard let first = text.utf8.first else { return false }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
    }

    /// A Gregorian calendar in `timeZone`: the last one made, when the zone is the same
    /// (one `Remind` after another reads in the user's zone; building one per call is
    /// avoidable work, issue #15).
    static func gregorian(in timeZone: TimeZone) -> Calendar {
        lastCalendar.lock.withLock {
            if let cached = lastCalendar.calendar, cached.timeZone == timeZone { return cached }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            lastCalendar.calendar = calendar
            lastCalendar.day = nil
            return calendar
        }
    }
    private static let lastCalendar = CalendarCache()
    private final class CalendarCache: @unchecked Sendable {  // `calendar`, `day` only under `lock`
        let lock = NSLock()
        var calendar: Calendar?
        /// The last day asked for in `calendar`'s zone (its start and its end).
        var day: (start: Date, end: Date)?
    }

    /// `calendar.startOfDay(for: now)`, the day kept while `now` stays in it and the zone
    /// is the last calendar's (one `Remind` after another asks for the same day).
    static func startOfDay(for now: Date, calendar: Calendar) -> Date {
        lastCalendar.lock.withLock {
            if lastCalendar.calendar?.timeZone == calendar.timeZone, let day = lastCalendar.day,
               now >= day.start, now < day.end {
                return day.start
            }
            guard lastCalendar.calendar?.timeZone == calendar.timeZone,
                  let interval = calendar.dateInterval(of: .day, for: now) else { return calendar.startOfDay(for: now) }
            lastCalendar.day = (interval.start, interval.end)
            return interval.start
        }
    }

    /// The last day with `weekday` strictly before `day`.
    private static func lastWeekday(_ weekday: Int, before day: Date, calendar: Calendar) -> Date {
        var previous = calendar.date(byAdding: .day, value: -1, to: day)!
        while calendar.component(.weekday, from: previous) != weekday {
            previous = calendar.date(byAdding: .day, value: -1, to: previous)!
        }
        return previous
    }

    private static let weekdays: [String: Int] = [
        "sunday": 1, "sun": 1, "monday": 2, "mon": 2, "tuesday": 3, "tue": 3,
        "wednesday": 4, "wed": 4, "thursday": 5, "thu": 5, "friday": 6, "fri": 6,
        "saturday": 7, "sat": 7,
    ]

    /// Range of the 'T' between a date and a time ("2026-12-01t09:00"), if any.
    private static func dateTRange(_ text: String) -> Range<String.Index>? {
        guard text.count > 10 else { return nil }
        let index = text.index(text.startIndex, offsetBy: 10)
        return text[index] == "t" && parseDate(String(text.prefix(10))) != nil ? index..<text.index(after: index) : nil
    }

    private static func parseDate(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        return (year, month, day)
    }

    private static func parseTime(_ text: String) -> (hour: Int, minute: Int, second: Int)? {
        var body = text
        var pmShift = 0
        if body.hasSuffix("am") || body.hasSuffix("pm") {
            pmShift = body.hasSuffix("pm") ? 12 : 0
            body.removeLast(2)
            let parts = body.split(separator: ":")
            guard let hour = Int(parts.first ?? ""), (1...12).contains(hour) else { return nil }
            let minute = parts.count > 1 ? Int(parts[1]) ?? -1 : 0
            guard (0...59).contains(minute) else { return nil }
            return (hour % 12 + pmShift, minute, 0)
        }
        let parts = body.split(separator: ":")
        guard (2...3).contains(parts.count),
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        let second = parts.count == 3 ? Int(parts[2]) ?? -1 : 0
        guard (0...59).contains(second) else { return nil }
        return (hour, minute, second)
    }

    /// "2h", "3 days", "90m", "1w", "30s".
    private static func parseRelative(_ text: String) -> ISODuration? {
        let compact = text.replacingOccurrences(of: " ", with: "")
        let digits = compact.prefix { $0.isNumber }
        guard let value = Int(digits), value >= 0 else { return nil }
        switch compact.dropFirst(digits.count) {
        case "s", "sec", "secs", "second", "seconds": return ISODuration(seconds: Double(value))
        case "m", "min", "mins", "minute", "minutes": return ISODuration(minutes: value)
        case "h", "hour", "hours": return ISODuration(hours: value)
        case "d", "day", "days": return ISODuration(days: value)
        case "w", "week", "weeks": return ISODuration(weeks: value)
        default: return nil
        }
    }

    /// `2026-12-01T09:00+01:00` / `2026-12-01T09:00Z` (ISO without seconds).
    private static func parseISOWithOffsetNoSeconds(_ text: String) -> Date? {
        guard text.count >= 17 else { return nil }
        let withSeconds: String
        if text.hasSuffix("Z") || text.hasSuffix("z") {
            withSeconds = text.dropLast() + ":00Z"
        } else if let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }), text.distance(from: text.startIndex, to: sign) >= 16 {
            withSeconds = text[..<sign] + ":00" + text[sign...]
        } else {
            return nil
        }
        return try? Date(withSeconds, strategy: .iso8601)
    }
}

extension WhenExpression {
    /// Reads a duration the CLI way: ISO 8601 (`P1D`, `PT2S`) or short (`1d`, `2h`, `30m`, `1w`).
    public static func parseDuration(_ text: String) throws -> ISODuration {
        let lower = text.lowercased().trimmingCharacters(in: .whitespaces)
        if lower.hasPrefix("p") { return try ISODuration(parsing: text) }
        if let duration = parseRelative(lower) { return duration }
        throw ISODuration.ParseError(text: text, reason: "use ISO 8601 (P1D, PT2H) or a short form (1d, 2h, 30m, 1w)")
    }
}
