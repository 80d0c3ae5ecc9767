import Foundation

/// Which occurrence of a recurring event a changed occurrence replaces: its
/// RECURRENCE-ID (RFC 5545 §3.8.4.4), the original start. Together with the UID it is
/// the changed occurrence's identity across imports.
public enum OccurrenceID: Sendable, Hashable {
    /// A RECURRENCE-ID with a zone (TZID or "Z"): one instant.
    case instant(Date)
    /// A floating or DATE RECURRENCE-ID: a wall-clock time in the series' zone.
    case local(LocalDateTime)

    /// The stored form: "2026-03-03T18:00:00Z" for an instant (UTC), "2026-03-03T19:00:00"
    /// for a wall-clock time. The same RECURRENCE-ID always gives the same key.
    public var key: String {
        switch self {
        case .instant(let date): LocalDateTime(date, in: TimeZone(identifier: "UTC")!).description + "Z"
        case .local(let time): time.description
        }
    }

    /// Reads `key` back; nil for any other text.
    public init?(key: String) {
        if key.hasSuffix("Z") {
            guard let time = LocalDateTime(String(key.dropLast())) else { return nil }
            self = .instant(time.instant(in: TimeZone(identifier: "UTC")!))
        } else {
            guard let time = LocalDateTime(key) else { return nil }
            self = .local(time)
        }
    }

    /// The original start as a wall-clock time in `zone` (the series' zone), the form of
    /// an EXDATE.
    public func wallClock(in zone: TimeZone) -> LocalDateTime {
        switch self {
        case .instant(let date): LocalDateTime(date, in: zone)
        case .local(let time): time
        }
    }
}

extension OccurrenceID: Codable {
    /// Encoded as its `key`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = OccurrenceID(key: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a RECURRENCE-ID key")
        }
        self = value
    }

    /// Encodes `key`.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(key)
    }
}
