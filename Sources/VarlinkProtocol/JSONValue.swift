import Foundation

/// Any JSON value, kept structurally so Varlink parameters can be passed around before
/// they are decoded into a method's typed parameters.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { try container.encode(Int64(value)) }
            else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Encodes any `Encodable` into a JSON value.
    public init<T: Encodable>(encoding value: T) throws {
        let data = try JSONCoding.encoder.encode(value)
        self = try JSONCoding.decoder.decode(JSONValue.self, from: data)
    }

    /// Decodes this value into `T`.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        do {
            return try JSONCoding.decoder.decode(T.self, from: JSONCoding.encoder.encode(self))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            // Foundation reports a number that does not fit the field's integer type
            // (1.5, 1e30) as "not valid JSON" without a path. Every number in our
            // interfaces is an integer, so name the first number that is not one.
            guard let path = firstNonIntegerNumber() else { throw DecodingError.dataCorrupted(context) }
            if case .number(let value) = self[path], value == value.rounded() {
                throw DecodingError.dataCorrupted(DecodingError.Context(
                    codingPath: path, debugDescription: "\(Self.integerText(value)) is too large: integers here are exact only up to 9007199254740992 (2^53)"))
            }
            throw DecodingError.typeMismatch(Int64.self, DecodingError.Context(codingPath: path, debugDescription: "not an integer"))
        }
    }

    /// The value at `path`, if there is one.
    subscript(path: [JSONKey]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path {
            switch current {
            case .object(let fields)?: current = fields[key.stringValue]
            case .array(let values)?: current = key.intValue.flatMap { $0 < values.count ? values[$0] : nil }
            default: return nil
            }
        }
        return current
    }

    /// A whole number as people write it (no exponent), for messages.
    static func integerText(_ value: Double) -> String {
        abs(value) < 1e21 ? String(format: "%.0f", value) : "\(value)"
    }

    /// The path to the first number that is not a 64-bit integer.
    func firstNonIntegerNumber(at path: [JSONKey] = []) -> [JSONKey]? {
        switch self {
        case .number(let value):
            // Numbers travel as doubles: past 2^53 an integer is no longer exact.
            let fits = value == value.rounded() && abs(value) <= 9_007_199_254_740_992
            return fits ? nil : path
        case .array(let values):
            for (index, value) in values.enumerated() {
                if let found = value.firstNonIntegerNumber(at: path + [JSONKey(index: index)]) { return found }
            }
            return nil
        case .object(let fields):
            for key in fields.keys.sorted() {
                if let found = fields[key]!.firstNonIntegerNumber(at: path + [JSONKey(key)]) { return found }
            }
            return nil
        default:
            return nil
        }
    }
}

/// A coding key for paths into a `JSONValue`.
struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ string: String) { stringValue = string }
    init(index: Int) { stringValue = "\(index)"; intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(index: intValue) }
}

/// The JSON coders every Varlink message goes through: dates as ISO 8601 in UTC with
/// milliseconds, keys in a stable order.
public enum JSONCoding {
    /// One shared encoder and decoder (configured once, never mutated; both are safe to
    /// use from several threads): making them per message cost more than the JSON.
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatDate(date))
        }
        return encoder
    }()

    public static let decoder: JSONDecoder = makeDecoder()

    /// A new decoder configured as `decoder` (instants as ISO 8601).
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(in: container,
                    debugDescription: "'\(text)' is not an ISO 8601 instant like 2026-12-01T09:00:00Z")
            }
            return date
        }
        return decoder
    }

    /// `2026-12-01T09:00:00.000Z`, rounded to the nearest millisecond. The formatter
    /// truncates, and .002 is a hair below itself in binary, so it is handed the middle
    /// of the millisecond.
    public static func formatDate(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        return Date(timeIntervalSince1970: (milliseconds + 0.5) / 1000).formatted(withMilliseconds)
    }

    // The styles, made once: building one per instant was ≈ 1 % of a `Remind` (issue #15).
    private static let withMilliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutMilliseconds = Date.ISO8601FormatStyle()

    /// Reads ISO 8601 instants with or without fractional seconds.
    public static func parseDate(_ text: String) -> Date? {
        // Not a year and a dash ("tomorrow 9:30"): no instant, without asking the two
        // parsers below to fail (≈ 2 % of a `Remind`'s time in a profile, issue #15).
        let head = text.utf8.prefix(5)
        guard head.count == 5, head.prefix(4).allSatisfy({ (0x30...0x39).contains($0) }), head.last == UInt8(ascii: "-") else {
            return nil
        }
        // The style that fits first (a failed parse costs as much as a good one): an
        // instant without a fraction ("…T09:00:00Z", as clients often send) is read
        // without trying the fractional style first. Either way both are tried, so the
        // same texts are accepted, with the same instant.
        guard text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ",") }) else {
            if let date = try? Date(text, strategy: withoutMilliseconds) { return date }
            return try? Date(text, strategy: withMilliseconds)
        }
        if let date = try? Date(text, strategy: withMilliseconds) { return date }
        return try? Date(text, strategy: withoutMilliseconds)
    }
}
