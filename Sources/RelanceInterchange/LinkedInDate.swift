import Foundation

/// LinkedIn's "Connected On" dates ("07 Dec 2025"), read without `DateFormatter` so
/// the result never depends on the user's locale.
enum LinkedInDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Noon UTC on the day `text` names: the export has no time of day, and noon is the
    /// same calendar day in every zone from UTC-11 to UTC+11.
    ///
    /// Accepts `07 Dec 2025` (English month abbreviations or names, any case) and
    /// `2025-12-07`, the form older exports and spreadsheets rewrite it to.
    static func noonUTC(_ text: String) -> Date? {
        let trimmed = text.trimmingWhitespace()
        let day: Int, month: Int, year: Int
        if let date = isoParts(iso: trimmed) {
            (year, month, day) = date
        } else {
            let parts = trimmed.split(separator: " ")
            guard parts.count == 3, let d = Int(parts[0]), let y = Int(parts[2]),
                  let m = months.firstIndex(of: String(parts[1].lowercased().prefix(3))) else { return nil }
            (year, month, day) = (y, m + 1, d)
        }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), (1900...9999).contains(year) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: Double(days) * 86_400 + 12 * 3600)
    }

    private static func isoParts(iso text: String) -> (Int, Int, Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return (y, m, d)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible
    /// Low-Level Date Algorithms", days_from_civil).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
