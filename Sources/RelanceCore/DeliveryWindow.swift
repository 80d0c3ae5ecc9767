import Foundation

/// A span of wall-clock time within a day ("09:00–12:30"); `end` may be 24:00.
public struct ClockRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public var start: LocalTimeOfDay
    public var end: LocalTimeOfDay

    public init(start: LocalTimeOfDay, end: LocalTimeOfDay) {
        self.start = start
        self.end = end
    }

    /// Parses `09:00-18:00` (also with an en dash).
    public init?(_ text: String) {
        let parts = text.replacingOccurrences(of: "–", with: "-").split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let start = LocalTimeOfDay(parts[0]), let end = LocalTimeOfDay(parts[1]), start < end else { return nil }
        self.init(start: start, end: end)
    }

    public var description: String { "\(start)-\(end)" }
}

/// When the user wants to hear about computed reminders (follow-ups, keep-in-touch,
/// thank-you notes, day-before prompts): by default Monday to Friday, 09:00–18:00 in
/// the user's zone, never on holidays. One that comes due outside waits for the next
/// opening. Switched off, every instant is inside.
public struct DeliveryWindow: Sendable, Hashable {
    public var isEnabled: Bool
    /// The user's zone: the ranges are wall-clock times there.
    public var timeZone: TimeZone
    /// Open ranges per day of the week, in order; a day without ranges is closed.
    public var hours: [Weekday: [ClockRange]]
    /// Closed all day.
    public var holidays: Set<LocalDate>

    public static let officeHours: [Weekday: [ClockRange]] = Dictionary(uniqueKeysWithValues:
        [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map {
            ($0, [ClockRange(start: LocalTimeOfDay(hour: 9), end: LocalTimeOfDay(hour: 18))])
        })

    public init(isEnabled: Bool = true, timeZone: TimeZone, hours: [Weekday: [ClockRange]] = DeliveryWindow.officeHours,
                holidays: Set<LocalDate> = []) {
        self.isEnabled = isEnabled
        self.timeZone = timeZone
        self.hours = hours
        self.holidays = holidays
    }

    /// The open intervals of one day, as instants (DST-aware: 09:00 is 09:00).
    public func intervals(on day: LocalDate) -> [(start: Date, end: Date)] {
        guard !holidays.contains(day) else { return [] }
        return (hours[day.weekday] ?? []).map { range in
            let end = range.end.hour == 24 ? day.adding(days: 1).at(LocalTimeOfDay(hour: 0), in: timeZone)
                                           : day.at(range.end, in: timeZone)
            return (day.at(range.start, in: timeZone), end)
        }
    }

    private var hasAnyOpening: Bool { hours.values.contains { !$0.isEmpty } }

    public func contains(_ instant: Date) -> Bool {
        guard isEnabled, hasAnyOpening else { return true }
        return intervals(on: LocalDate(instant, in: timeZone)).contains { $0.start <= instant && instant < $0.end }
    }

    /// `instant` itself when inside the window, else the start of the next opening.
    public func nextOpening(atOrAfter instant: Date) -> Date {
        guard isEnabled, hasAnyOpening else { return instant }
        var day = LocalDate(instant, in: timeZone)
        for _ in 0..<800 {
            for interval in intervals(on: day) where instant < interval.end {
                return max(instant, interval.start)
            }
            day = day.adding(days: 1)
        }
        return instant
    }

    /// The start of the first opening strictly after `instant` ("the next window start").
    public func nextStart(after instant: Date) -> Date {
        guard isEnabled, hasAnyOpening else { return instant }
        var day = LocalDate(instant, in: timeZone)
        for _ in 0..<800 {
            for interval in intervals(on: day) where interval.start > instant { return interval.start }
            day = day.adding(days: 1)
        }
        return instant
    }

    /// The first opening of `day`, or of the nearest open day before it (a Monday
    /// meeting's "day before" prompt comes on Friday). Nil if nothing opens within a week.
    public func firstStart(onOrBefore day: LocalDate) -> Date? {
        guard isEnabled, hasAnyOpening else { return day.at(LocalTimeOfDay(hour: 9), in: timeZone) }
        var current = day
        for _ in 0..<8 {
            if let first = intervals(on: current).first { return first.start }
            current = current.adding(days: -1)
        }
        return nil
    }
}
