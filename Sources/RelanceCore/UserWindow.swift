import Foundation

/// A team user's own delivery window (issue #16: "users, each with their own … window"):
/// the hours, on the days, when they want to hear about computed reminders, in their own
/// zone; or none at all (`isEnabled` false: every instant is inside). It replaces the
/// hours of the node's `[window]` for the reminders they own; the node's holidays stay.
public struct UserWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    public var isEnabled: Bool
    /// The open days, in week order (Monday first), each open for `hours`.
    public var days: [Weekday]
    /// The open ranges of each open day, in order.
    public var hours: [ClockRange]

    public static let weekdays: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday]
    public static let officeHours = [ClockRange(start: LocalTimeOfDay(hour: 9), end: LocalTimeOfDay(hour: 18))]

    public init(isEnabled: Bool = true, days: [Weekday] = UserWindow.weekdays, hours: [ClockRange] = UserWindow.officeHours) {
        self.isEnabled = isEnabled
        self.days = days
        self.hours = hours
    }

    /// The window as a person writes it: `days` ("mon", "tuesday"; default Monday to
    /// Friday) and `hours` ("09:00-12:00"; default 09:00-18:00), or `off` alone. Each
    /// mistake names the field and what to write.
    public static func parse(days: [String]?, hours: [String]?, off: Bool) throws(ValidationError) -> UserWindow {
        if off {
            guard days == nil, hours == nil else {
                throw ValidationError(field: "off", reason: "a window that is off has no days or hours: give off alone, or days and hours")
            }
            return UserWindow(isEnabled: false, days: [], hours: [])
        }
        guard days != nil || hours != nil else {
            throw ValidationError(field: "days", reason: "give days, hours, or both (or off)")
        }
        var window = UserWindow()
        if let days {
            var parsed: [Weekday] = []
            for text in days {
                guard let day = Weekday(name: text.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError(field: "days", reason: "'\(text)' is not a day of the week (monday … sunday, or mon … sun)")
                }
                guard !parsed.contains(day) else {
                    throw ValidationError(field: "days", reason: "\(day.name) is listed twice: list each day once")
                }
                parsed.append(day)
            }
            guard !parsed.isEmpty else { throw ValidationError(field: "days", reason: "give at least one day, or off") }
            // Monday first, as a week is read.
            window.days = parsed.sorted { ($0.rawValue + 5) % 7 < ($1.rawValue + 5) % 7 }
        }
        if let hours {
            var parsed: [ClockRange] = []
            for text in hours {
                guard let range = ClockRange(text) else {
                    throw ValidationError(field: "hours", reason: "'\(text)' is not a range of hours like \"09:00-18:00\"")
                }
                parsed.append(range)
            }
            guard !parsed.isEmpty else { throw ValidationError(field: "hours", reason: "give at least one range of hours, or off") }
            parsed.sort { $0.start < $1.start }
            if let overlap = zip(parsed, parsed.dropFirst()).first(where: { $0.1.start < $0.0.end }) {
                throw ValidationError(field: "hours", reason: "\(overlap.0) and \(overlap.1) overlap: give ranges apart")
            }
            window.hours = parsed
        }
        return window
    }

    /// `window` (the node's, read in the user's zone) with these days and hours instead.
    public func applied(to window: DeliveryWindow) -> DeliveryWindow {
        var window = window
        window.isEnabled = isEnabled
        if isEnabled { window.hours = Dictionary(uniqueKeysWithValues: days.map { ($0, hours) }) }
        return window
    }

    /// "mon, tue, wed 09:00-12:00 14:00-18:00", or "off".
    public var description: String {
        isEnabled ? days.map(\.shortName).joined(separator: ", ") + " " + hours.map(\.description).joined(separator: " ") : "off"
    }
}
