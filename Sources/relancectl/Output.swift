import Foundation
import RelanceAPI
import RelanceCore
import VarlinkProtocol

/// How replies are shown: aligned tables for people, stable JSON for scripts.
enum Output {
    /// Prints a reply as pretty JSON (keys sorted, ISO 8601 dates in UTC).
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONCoding.encoder
        encoder.outputFormatting.insert(.prettyPrinted)
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Prints rows under a header, columns padded to their widest cell; a cell may hold
    /// several lines (they line up under their column).
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        let widths = header.indices.map { column in
            all.flatMap { $0[column].split(separator: "\n", omittingEmptySubsequences: false) }.map(\.count).max() ?? 0
        }
        for (index, row) in all.enumerated() {
            let cellLines = row.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
            for lineIndex in 0..<(cellLines.map(\.count).max() ?? 1) {
                let cells = cellLines.enumerated().map { column, lines in
                    let cell = lineIndex < lines.count ? lines[lineIndex] : ""
                    return column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                }
                let line = cells.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
                print(index == 0 ? bold(line) : line)
            }
            if index == 0 { print(dim(widths.map { String(repeating: unicode ? "─" : "-", count: $0) }.joined(separator: "  "))) }
        }
    }

    /// Colour only on a terminal, and never with NO_COLOR set (https://no-color.org).
    static var colour: Bool {
        isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    static func bold(_ text: String) -> String { colour ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    static func dim(_ text: String) -> String { colour ? "\u{1B}[2m\(text)\u{1B}[0m" : text }
    static func red(_ text: String) -> String { colour ? "\u{1B}[31m\(text)\u{1B}[0m" : text }

    /// Marks for success and failure: Unicode on a UTF-8 terminal, ASCII otherwise.
    static var ok: String { unicode ? "✓" : "ok" }
    /// Beside words that already say it failed ("not sent ✗"): in ASCII, nothing more.
    static var failed: String { unicode ? "✗" : "(failed)" }

    static var unicode: Bool {
        let locale = ProcessInfo.processInfo.environment["LC_ALL"] ?? ProcessInfo.processInfo.environment["LC_CTYPE"]
            ?? ProcessInfo.processInfo.environment["LANG"] ?? ""
        return isatty(1) == 1 && locale.uppercased().contains("UTF-8")
    }

    /// "Mon 1 Dec 09:00" in `zone` (the user's, from the reply's `timeZone`, never this
    /// shell's TZ); the year is shown when it is not this year.
    /// An all-day event's day: "Thu 10 Dec, all day" (its start is midnight, never shown).
    static func allDay(_ date: Date?, in zone: TimeZone) -> String {
        guard let date else { return "—" }
        return HumanTime.day(date, in: zone, now: ProcessClock.now()) + ", all day"
    }

    static func time(_ date: Date?, in zone: TimeZone) -> String {
        guard let date else { return "—" }
        return HumanTime.moment(date, in: zone, now: ProcessClock.now())
    }

    /// The zone a reply names (`timeZone`): the daemon's configured one.
    static func zone(_ name: String) -> TimeZone {
        TimeZone(identifier: name) ?? TimeZone(identifier: "Etc/UTC")!
    }
}
