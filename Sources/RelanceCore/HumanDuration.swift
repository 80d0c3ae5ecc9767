import Foundation

/// Durations as a person reads them: "2 seconds", "7 business days", "every 3 months",
/// "1 day before". ISO 8601 stays the input and the `--json` form; this is only words.
public enum HumanDuration {
    /// "1 day", "2 hours and 30 minutes", "1 year, 2 months and 3 days", "0.5 seconds";
    /// a zero duration is "no time".
    public static func spell(_ duration: ISODuration) -> String {
        var parts: [String] = []
        func add(_ count: Int, _ unit: String) { if count != 0 { parts.append(units(count, unit)) } }
        add(duration.years, "year"); add(duration.months, "month"); add(duration.weeks, "week"); add(duration.days, "day")
        add(duration.hours, "hour"); add(duration.minutes, "minute")
        if duration.seconds != 0 {
            if duration.seconds == duration.seconds.rounded() {
                add(Int(duration.seconds), "second")
            } else {
                parts.append("\(duration.seconds) seconds")
            }
        }
        return list(parts) ?? "no time"
    }

    /// "7 business days", "1 business day", or the duration spelled out.
    public static func spell(_ wait: Wait) -> String {
        switch wait {
        case .duration(let duration): spell(duration)
        case .businessDays(let count): units(count, "business day")
        }
    }

    /// A cadence: "every day", "every 3 months", "every 2 weeks and 3 days", "every 7 business days".
    public static func every(_ wait: Wait) -> String {
        if case .duration(let duration) = wait {
            let single: [(Int, String)] = [(duration.years, "year"), (duration.months, "month"), (duration.weeks, "week"),
                                           (duration.days, "day"), (duration.hours, "hour"), (duration.minutes, "minute")]
            let nonzero = single.filter { $0.0 != 0 }
            if nonzero.count == 1, duration.seconds == 0, nonzero[0].0 == 1 { return "every \(nonzero[0].1)" }
        }
        return "every \(spell(wait))"
    }

    /// An offset before a start: "1 day before", "2 hours before"; a zero offset is "at the start".
    public static func before(_ offset: ISODuration) -> String {
        offset.isZero ? "at the start" : "\(spell(offset)) before"
    }

    /// A cadence or offset typed in ISO 8601 or `7bd`, in words; the text itself if it
    /// cannot be read (never hides what was stored).
    public static func spell(text: String) -> String {
        (try? Wait(parsing: text)).map(spell) ?? text
    }

    /// A cadence stored as text (`P90D`, `7bd`) in words: "every 90 days"; the text
    /// itself, after "every", if it cannot be read.
    public static func every(text: String) -> String {
        (try? Wait(parsing: text)).map(every) ?? "every \(text)"
    }

    static func units(_ count: Int, _ unit: String) -> String { "\(count) \(unit)\(count == 1 ? "" : "s")" }

    /// "a", "a and b", "a, b and c".
    static func list(_ parts: [String]) -> String? {
        guard let last = parts.last else { return nil }
        return parts.count == 1 ? last : parts.dropLast().joined(separator: ", ") + " and " + last
    }
}
