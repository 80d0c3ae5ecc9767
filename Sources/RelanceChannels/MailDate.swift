import Foundation

/// The RFC 5322 §3.3 `date-time` form: `Thu, 12 Nov 2026 09:00:00 +0000`.
///
/// Written in the user's zone (with its offset, so readers show the right time) and with
/// fixed English names, whatever the locale, so the same instant and zone give the same
/// header (a re-sent mail stays byte-for-byte identical).
enum MailDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ date: Date, in zone: TimeZone = TimeZone(identifier: "Etc/UTC")!) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let offset = zone.secondsFromGMT(for: date) / 60
        let sign = offset < 0 ? "-" : "+"
        let hhmm = abs(offset) / 60 * 100 + abs(offset) % 60
        let zoneText = sign + String(repeating: "0", count: 4 - String(hhmm).count) + String(hhmm)
        let c = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
        return "\(days[(c.weekday ?? 1) - 1]), \(two(c.day)) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) \(zoneText)"
    }
}
