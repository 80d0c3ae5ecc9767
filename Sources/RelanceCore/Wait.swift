import Foundation

/// How long to wait: calendar/clock time (`P7D`, `PT4H`) or business days (`7bd`).
public enum Wait: Sendable, Hashable, Codable, CustomStringConvertible {
    case duration(ISODuration)
    case businessDays(Int)

    /// Parses `7bd` (business days) or an ISO 8601 duration (`P7D`, `PT4H`).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasSuffix("bd") {
            guard let count = Int(trimmed.dropLast(2)), count >= 0 else {
                throw ISODuration.ParseError(text: text, reason: "write business days as a whole number, e.g. 7bd")
            }
            self = try Wait.businessDays(count).bounded(text)
            return
        }
        let duration: ISODuration
        do {
            duration = try ISODuration(parsing: trimmed)
        } catch {
            throw ISODuration.ParseError(text: text, reason: "write business days as 7bd, or a duration as P7D or PT4H")
        }
        self = try Wait.duration(duration).bounded(text)
    }

    /// The longest wait anything takes: ten years (2 610 business days). Nobody follows
    /// up later than that, and every rule stays cheap to compute.
    public static let maximumBusinessDays = 2_610
    /// The same bound for a duration, in seconds (3 653 days).
    public static let maximumSeconds: Double = 3_653 * 86_400

    /// This wait, or an error naming the bound it passes (`text` is what the user wrote).
    public func bounded(_ text: String? = nil) throws -> Wait {
        let written = text ?? description
        switch self {
        case .businessDays(let count):
            guard count >= 0, count <= Self.maximumBusinessDays else {
                throw ISODuration.ParseError(text: written, reason: "a wait is at most ten years (\(Self.maximumBusinessDays)bd)")
            }
        case .duration(let duration):
            guard duration.approximateSeconds <= Self.maximumSeconds else {
                throw ISODuration.ParseError(text: written, reason: "a wait is at most ten years (P10Y)")
            }
        }
        return self
    }

    /// At least a day: a shorter keep-in-touch cadence would flood the inbox.
    public var isAtLeastADay: Bool {
        switch self {
        case .businessDays(let count): count >= 1
        case .duration(let duration): duration.approximateSeconds >= 86_400
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

    /// In words: "7 business days", "1 week", "2 seconds" (see `HumanDuration`).
    public var spelledOut: String { HumanDuration.spell(self) }

    public init(from decoder: Decoder) throws {
        try self.init(parsing: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
