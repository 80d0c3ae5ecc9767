import Foundation
import RelanceCore

/// iCalendar date-time and duration values (RFC 5545 §3.3.5, §3.3.6), formatted by
/// hand: no `DateFormatter`, whose output depends on the process locale.
enum ICalendarDate {
    /// `20261210T180000Z`: the UTC form, whole seconds.
    static func utc(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        return stamp(year, month, day, secondOfDay / 3600, secondOfDay / 60 % 60, secondOfDay % 60) + "Z"
    }

    /// `20261210T190000`: a wall-clock time, to follow `;TZID=`.
    static func local(_ time: LocalDateTime) -> String {
        stamp(time.date.year, time.date.month, time.date.day, time.time.hour, time.time.minute, time.time.second)
    }

    /// `20261210`: a DATE value (RFC 5545 §3.3.4), for an all-day event.
    static func date(_ date: LocalDate) -> String {
        String(local(LocalDateTime(date: date, time: LocalTimeOfDay(hour: 0))).prefix(8))
    }

    private static func stamp(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + two(month) + two(day) + "T" + two(hour) + two(minute) + two(second)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant, civil_from_days).
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// An exact span in seconds as `PT1H30M` (`PT0S` for zero); fractions are dropped.
    static func duration(seconds: TimeInterval) -> String {
        let total = max(0, Int(seconds.rounded()))
        guard total > 0 else { return "PT0S" }
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
        return "PT" + (hours > 0 ? "\(hours)H" : "") + (minutes > 0 ? "\(minutes)M" : "") + (secs > 0 ? "\(secs)S" : "")
    }

    /// An ISO 8601 duration as an RFC 5545 dur-value. iCalendar has no years or months
    /// and cannot mix weeks with other parts, so those become days (a year as 365, a
    /// month as 30): close enough for a reminder offset.
    static func duration(_ value: ISODuration) -> String {
        let onlyWeeks = value.weeks > 0 && value.years == 0 && value.months == 0 && value.days == 0
            && value.hours == 0 && value.minutes == 0 && value.seconds == 0
        if onlyWeeks { return "P\(value.weeks)W" }
        let days = value.years * 365 + value.months * 30 + value.weeks * 7 + value.days
        let seconds = Int(value.seconds.rounded())
        var text = "P" + (days > 0 ? "\(days)D" : "")
        if value.hours > 0 || value.minutes > 0 || seconds > 0 {
            text += "T" + (value.hours > 0 ? "\(value.hours)H" : "") + (value.minutes > 0 ? "\(value.minutes)M" : "")
                + (seconds > 0 ? "\(seconds)S" : "")
        }
        return text == "P" ? "PT0S" : text
    }
}
