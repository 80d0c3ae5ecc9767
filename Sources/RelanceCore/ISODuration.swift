import Foundation

/// An ISO 8601 duration such as `P7D`, `PT2S`, `P1W` or `P1DT2H30M`.
///
/// Calendar parts (years, months, weeks, days) are applied in a calendar and zone, so
/// `P1D` across a DST change keeps the wall-clock time; clock parts (hours, minutes,
/// seconds) are exact elapsed time.
public struct ISODuration: Sendable, Hashable, Codable, CustomStringConvertible {
    public var years = 0
    public var months = 0
    public var weeks = 0
    public var days = 0
    public var hours = 0
    public var minutes = 0
    /// Seconds, possibly fractional (`PT0.5S`).
    public var seconds: Double = 0

    public init(years: Int = 0, months: Int = 0, weeks: Int = 0, days: Int = 0,
                hours: Int = 0, minutes: Int = 0, seconds: Double = 0) {
        self.years = years; self.months = months; self.weeks = weeks; self.days = days
        self.hours = hours; self.minutes = minutes; self.seconds = seconds
    }

    /// Why a text is not an ISO 8601 duration.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let text: String
        public let reason: String
        public var description: String {
            "'\(text)' is not an ISO 8601 duration (\(reason)); write e.g. P7D, PT4H, P1DT12H or PT2S"
        }
    }

    /// Parses `PnYnMnWnDTnHnMnS` (each part optional, at least one present).
    public init(parsing text: String) throws {
        let upper = text.uppercased()
        guard upper.hasPrefix("P"), upper.count > 1 else {
            throw ParseError(text: text, reason: "it must start with P")
        }
        var inTime = false
        var number = ""
        var seenAny = false
        var seenTimePart = false
        for ch in upper.dropFirst() {
            if ch == "T" {
                guard !inTime, number.isEmpty else { throw ParseError(text: text, reason: "misplaced T") }
                inTime = true
                continue
            }
            if ch.isNumber || ch == "." || ch == "," {
                number.append(ch == "," ? "." : ch)
                continue
            }
            guard !number.isEmpty else { throw ParseError(text: text, reason: "a unit without a number before '\(ch)'") }
            let isFraction = number.contains(".")
            guard let value = Double(number), value >= 0 else {
                throw ParseError(text: text, reason: "'\(number)' is not a number")
            }
            if isFraction && !(inTime && ch == "S") {
                throw ParseError(text: text, reason: "only seconds may have a fraction")
            }
            guard value < 1e9 else { throw ParseError(text: text, reason: "'\(number)' is too large") }
            let whole = Int(value)
            switch (inTime, ch) {
            case (false, "Y"): years = whole
            case (false, "M"): months = whole
            case (false, "W"): weeks = whole
            case (false, "D"): days = whole
            case (true, "H"): hours = whole
            case (true, "M"): minutes = whole
            case (true, "S"): seconds = value
            default: throw ParseError(text: text, reason: "unexpected unit '\(ch)'")
            }
            number = ""
            seenAny = true
            seenTimePart = seenTimePart || inTime
        }
        guard number.isEmpty else { throw ParseError(text: text, reason: "a number without a unit at the end") }
        guard seenAny else { throw ParseError(text: text, reason: "no parts") }
        guard !inTime || seenTimePart else { throw ParseError(text: text, reason: "T must be followed by hours, minutes or seconds") }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Canonical ISO 8601 text.
    public var description: String {
        var text = "P"
        if years != 0 { text += "\(years)Y" }
        if months != 0 { text += "\(months)M" }
        if weeks != 0 { text += "\(weeks)W" }
        if days != 0 { text += "\(days)D" }
        if hours != 0 || minutes != 0 || seconds != 0 {
            text += "T"
            if hours != 0 { text += "\(hours)H" }
            if minutes != 0 { text += "\(minutes)M" }
            if seconds != 0 {
                text += seconds == seconds.rounded() ? "\(Int(seconds))S" : "\(seconds)S"
            }
        }
        return text == "P" ? "PT0S" : text
    }

    /// True when the duration is zero.
    public var isZero: Bool { description == "PT0S" }

    /// `date` moved forward by this duration: calendar parts in `timeZone`'s wall clock,
    /// then clock parts as elapsed seconds.
    public func added(to date: Date, in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var result = date
        var calendarPart = DateComponents()
        calendarPart.year = years
        calendarPart.month = months
        calendarPart.day = weeks * 7 + days
        if years != 0 || months != 0 || weeks != 0 || days != 0 {
            result = calendar.date(byAdding: calendarPart, to: result) ?? result
        }
        return result.addingTimeInterval(Double(hours) * 3600 + Double(minutes) * 60 + seconds)
    }

    /// `date` moved back by this duration (the inverse of `added(to:in:)`).
    public func subtracted(from date: Date, in timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var result = date.addingTimeInterval(-(Double(hours) * 3600 + Double(minutes) * 60 + seconds))
        var calendarPart = DateComponents()
        calendarPart.year = -years
        calendarPart.month = -months
        calendarPart.day = -(weeks * 7 + days)
        if years != 0 || months != 0 || weeks != 0 || days != 0 {
            result = calendar.date(byAdding: calendarPart, to: result) ?? result
        }
        return result
    }
}

extension ISODuration {
    /// Its length in seconds, counting a year as 365.25 days and a month as 30.44: for
    /// bounds, never for scheduling (which adds calendar units in a zone).
    public var approximateSeconds: Double {
        let days = Double(years) * 365.25 + Double(months) * 30.44 + Double(weeks) * 7 + Double(days)
        return days * 86_400 + Double(hours) * 3600 + Double(minutes) * 60 + seconds
    }
}
