import Foundation

/// How long to wait: calendar/clock time (`P7D`, `PT4H`) or business days (`7bd`).
public enum Wait: Sendable, Hashable, Codable, CustomStringConvertible {
    case duration(ISODuration)
    case businessDays(Int)

    /// Parses `7bd` (business days) or an ISO 8601 duration (`P7D`, `PT4H`).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasSuffix("bd"), let count = Int(trimmed.dropLast(2)), count >= 0 {
            self = .businessDays(count)
            return
        }
        do {
            self = .duration(try ISODuration(parsing: trimmed))
        } catch {
            throw ISODuration.ParseError(text: text, reason: "write business days as 7bd, or a duration as P7D or PT4H")
        }
    }

    /// A wait in hours, minutes or seconds only ("PT4H"): taken literally, it fires on
    /// time instead of waiting for the delivery window.
    public var isClockTime: Bool {
        guard case .duration(let d) = self else { return false }
        return d.years == 0 && d.months == 0 && d.weeks == 0 && d.days == 0
    }

    public var description: String {
        switch self {
        case .duration(let duration): duration.description
        case .businessDays(let count): "\(count)bd"
        }
    }

    /// In words: "7 business days", "P7D".
    public var spelledOut: String {
        switch self {
        case .duration(let duration): duration.description
        case .businessDays(let count): "\(count) business day\(count == 1 ? "" : "s")"
        }
    }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
