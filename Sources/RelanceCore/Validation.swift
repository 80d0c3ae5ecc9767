import Foundation

/// A field the user supplied that cannot be accepted, and why.
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The parameter or field at fault, as the user named it ("emails[0]").
    public let field: String
    /// What is wrong and, where it helps, what to write instead.
    public let reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}

/// Shared field checks. Single-line values may end up in mail headers and terminal
/// tables, so control characters (CR, LF, NUL, ESC…) are refused at the door.
public enum Validation {
    public static func singleLine(_ value: String, field: String) throws {
        // The control characters (general category Cc) are exactly U+0000–001F and
        // U+007F–009F: a range check, not a Unicode property look-up per character.
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            throw ValidationError(field: field, reason: "must be a single line without control characters")
        }
    }

    /// A Message-ID as the user pastes it ("<abc@host>" or "abc@host"): without its angle
    /// brackets, one "@", no space or control character (RFC 5322 §3.6.4). Nil when empty.
    public static func messageID(_ value: String) throws -> String? {
        var id = value.trimmingCharacters(in: .whitespaces)
        if id.hasPrefix("<") && id.hasSuffix(">") && id.count >= 2 { id = String(id.dropFirst().dropLast()) }
        guard !id.isEmpty else { return nil }
        let parts = id.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty,
              !id.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7F || "<>\"\\,;:()[]".unicodeScalars.contains($0) }) else {
            throw ValidationError(field: "messageId", reason: "'\(value)' is not a Message-ID (copy it from the sent mail's headers, e.g. <CAF3x@mail.example.com>)")
        }
        return id
    }

    public static func emailAddress(_ value: String, field: String) throws {
        try singleLine(value, field: field)
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
              !value.contains(where: { $0 == " " || $0 == "<" || $0 == ">" || $0 == "," }) else {
            throw ValidationError(field: field, reason: "'\(value)' is not an e-mail address (name@example.com)")
        }
    }
}
