import Foundation

/// The date an out-of-office says its writer is back ("back on 14 December", "de retour
/// le 14/12", "until 2026-12-13"), so the next nudge can wait for them. Pure: the text
/// and today come in; a date in the past or too far ahead (over a year) is no answer.
public enum ReturnDate {
    private static let months: [String: Int] = [
        "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
        "september": 9, "october": 10, "november": 11, "december": 12,
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
        "nov": 11, "dec": 12,
        "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
        "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    ]

    /// How much of `text` is read: an out-of-office says when its writer is back in its
    /// first lines, and the patterns below cost more than linear time on long runs of
    /// letters or spaces (a 1 MiB line took minutes, found by fuzzing).
    static let readLimit = 4_000

    /// The first day they are back, read from the start of `text`, after `today`.
    public static func find(in text: String, today: LocalDate) -> LocalDate? {
        let lower = String(text.prefix(readLimit)).lowercased()
        // "until"/"jusqu'au" name the last day away: back the day after.
        let untilWords = ["until ", "till ", "jusqu'au ", "jusqu’au "]
        for candidate in candidates(in: lower, today: today) {
            let prefix = lower[..<candidate.range.lowerBound].suffix(12)
            let date = untilWords.contains(where: prefix.hasSuffix) ? candidate.date.adding(days: 1) : candidate.date
            if date > today, date <= today.adding(days: 366) { return date }
        }
        return nil
    }

    private static func candidates(in text: String, today: LocalDate) -> [(range: Range<String.Index>, date: LocalDate)] {
        var found: [(Range<String.Index>, LocalDate)] = []
        for match in text.matches(of: /(\d{4})-(\d{2})-(\d{2})/) {
            if let date = LocalDate("\(match.output.1)-\(match.output.2)-\(match.output.3)") { found.append((match.range, date)) }
        }
        for match in text.matches(of: /(\d{1,2})\s*(?:er)?\s+([a-zéû]+)\.?(?:\s+(\d{4}))?/) {
            if let month = months[String(match.output.2)], let day = Int(match.output.1),
               let date = resolve(day: day, month: month, year: match.output.3.flatMap { Int($0) }, today: today) {
                found.append((match.range, date))
            }
        }
        // A month name is 3 to 9 letters: bounded, the pattern does not retry a whole
        // run of letters from each of its positions.
        for match in text.matches(of: /([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?/) {
            if let month = months[String(match.output.1)], let day = Int(match.output.2),
               let date = resolve(day: day, month: month, year: match.output.3.flatMap { Int($0) }, today: today) {
                found.append((match.range, date))
            }
        }
        for match in text.matches(of: /(\d{1,2})\/(\d{1,2})(?:\/(\d{2,4}))?/) {
            // Day first: the European order (an American "12/14" has no 14th month).
            if let day = Int(match.output.1), let month = Int(match.output.2),
               let date = resolve(day: day, month: month, year: match.output.3.flatMap { Int($0) }.map { $0 < 100 ? 2000 + $0 : $0 },
                                  today: today) {
                found.append((match.range, date))
            }
        }
        return found.sorted { $0.0.lowerBound < $1.0.lowerBound }
    }

    /// A day and month without a year: this year's if it is ahead, next year's if this
    /// year's is long gone (a January return read in November); a recent past date is no
    /// return date at all.
    private static func resolve(day: Int, month: Int, year: Int?, today: LocalDate) -> LocalDate? {
        func date(_ year: Int) -> LocalDate? { LocalDate("\(year)-\(String(format: "%02d", month))-\(String(format: "%02d", day))") }
        if let year { return date(year) }
        guard let thisYear = date(today.year) else { return nil }
        if thisYear > today { return thisYear }
        return thisYear.adding(days: 180) < today ? date(today.year + 1) : nil
    }
}
