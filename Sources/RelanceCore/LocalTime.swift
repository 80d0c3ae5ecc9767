import Foundation

/// A calendar day with no zone ("2026-12-25"): holidays, business days.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year; self.month = month; self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let year = Int(parts[0]), let month = Int(parts[1]),
              let day = Int(parts[2]), (1...12).contains(month), (1...Self.days(inMonth: month, of: year)).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// 28 to 31 (Gregorian leap years): 2026-02-30 is no date.
    public static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 4, 6, 9, 11: 30
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        default: 31
        }
    }

    /// The day `instant` falls on in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        let components = Calendar.gregorian(zone).dateComponents([.year, .month, .day], from: instant)
        self.init(year: components.year!, month: components.month!, day: components.day!)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date like 2026-12-25"))
        }
        self = date
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// The day `count` days later (earlier when negative).
    public func adding(days count: Int) -> LocalDate {
        let calendar = Calendar.gregorian(TimeZone(identifier: "UTC")!)
        let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
        return LocalDate(calendar.date(byAdding: .day, value: count, to: noon)!, in: TimeZone(identifier: "UTC")!)
    }

    /// Its day of the week.
    public var weekday: Weekday {
        let calendar = Calendar.gregorian(TimeZone(identifier: "UTC")!)
        let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
        return Weekday(rawValue: calendar.component(.weekday, from: noon))!
    }

    /// The instant of `time` on this day in `zone`. A wall-clock time that does not exist
    /// (spring forward) moves forward by the gap; a repeated one (fall back) is the first.
    public func at(_ time: LocalTimeOfDay, in zone: TimeZone) -> Date {
        let calendar = Calendar.gregorian(zone)
        let components = DateComponents(year: year, month: month, day: day,
                                        hour: time.hour, minute: time.minute, second: time.second)
        return calendar.date(from: components)!
    }
}

/// A wall-clock time of day ("09:30").
public struct LocalTimeOfDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(hour: Int, minute: Int = 0, second: Int = 0) {
        self.hour = hour; self.minute = minute; self.second = second
    }

    /// Parses `HH:MM` or `HH:MM:SS` (24 h; `24:00` is the end of the day).
    public init?(_ text: String) {
        let parts = text.split(separator: ":").map { Int($0) }
        guard (2...3).contains(parts.count), let hour = parts[0], let minute = parts[1],
              (0...24).contains(hour), (0...59).contains(minute) else { return nil }
        let second = parts.count == 3 ? parts[2] : 0
        guard let second, (0...59).contains(second), hour < 24 || (minute == 0 && second == 0) else { return nil }
        self.init(hour: hour, minute: minute, second: second)
    }

    /// Seconds since midnight.
    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 + second }

    public static func < (lhs: LocalTimeOfDay, rhs: LocalTimeOfDay) -> Bool {
        lhs.secondsSinceMidnight < rhs.secondsSinceMidnight
    }

    public var description: String {
        second == 0 ? String(format: "%02d:%02d", hour, minute) : String(format: "%02d:%02d:%02d", hour, minute, second)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let time = LocalTimeOfDay(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a time like 09:30"))
        }
        self = time
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A wall-clock date and time with no zone (an event's DTSTART with its TZID kept apart).
public struct LocalDateTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var date: LocalDate
    public var time: LocalTimeOfDay

    public init(date: LocalDate, time: LocalTimeOfDay) {
        self.date = date; self.time = time
    }

    /// The wall-clock date and time of `instant` in `zone`.
    public init(_ instant: Date, in zone: TimeZone) {
        let components = Calendar.gregorian(zone).dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        self.init(date: LocalDate(year: components.year!, month: components.month!, day: components.day!),
                  time: LocalTimeOfDay(hour: components.hour!, minute: components.minute!, second: components.second!))
    }

    public static func < (lhs: LocalDateTime, rhs: LocalDateTime) -> Bool {
        (lhs.date, lhs.time) < (rhs.date, rhs.time)
    }

    /// The instant in `zone` (skipped times move forward by the gap; repeated ones are the first).
    public func instant(in zone: TimeZone) -> Date { date.at(time, in: zone) }

    public var description: String { "\(date)T\(time.second == 0 ? time.description + ":00" : time.description)" }
}

/// Days of the week, numbered as Foundation's `Calendar` does (Sunday = 1).
public enum Weekday: Int, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case sunday = 1, monday, tuesday, wednesday, thursday, friday, saturday

    /// "mon", "monday", "Mon" → .monday.
    public init?(name: String) {
        let lower = name.lowercased()
        guard let match = Weekday.allCases.first(where: { $0.name == lower || $0.shortName == lower }) else { return nil }
        self = match
    }

    public var name: String { ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"][rawValue - 1] }
    public var shortName: String { String(name.prefix(3)) }

    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Calendar {
    /// A Gregorian calendar in `zone`.
    public static func gregorian(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}
