import Foundation

/// The header section of one RFC 5322 message, as far as Relance reads it: who sent it,
/// to whom, in which thread, and whether a machine sent it. Bodies are never kept.
///
/// Unfolds continuation lines (§2.2.3), keeps the first occurrence of each field, and
/// decodes RFC 2047 encoded-words in `Subject` (UTF-8, ISO-8859-1; B and Q). Malformed
/// lines are skipped rather than fatal: a mail client's export is not a contract.
public struct MailHeaders: Sendable, Equatable {
    /// Field name (lower-cased) → raw value (unfolded), first occurrence.
    public var fields: [String: String] = [:]

    /// The longest header section read (bytes): a 50 MB message is mostly body.
    public static let maximumHeaderBytes = 256 * 1024

    public init(parsing message: String) {
        let head = message.prefix(Self.maximumHeaderBytes)
        var current: (name: String, value: String)?
        func flush() {
            if let (name, value) = current, fields[name] == nil { fields[name] = value.trimmingCharacters(in: .whitespaces) }
            current = nil
        }
        // "\r\n" is one Character in Swift: split on both forms.
        for rawLine in head.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine[...]
            if line.isEmpty { break }  // end of the header section
            if line.first == " " || line.first == "\t" {
                current?.value += " " + line.trimmingCharacters(in: .whitespaces)
                continue
            }
            flush()
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { continue }
            current = (line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(), String(line[line.index(after: colon)...]))
        }
        flush()
    }

    public subscript(name: String) -> String? { fields[name.lowercased()] }

    /// The addresses of `From` (lower-cased), display names dropped.
    public var from: [String] { Self.addresses(in: self["from"] ?? "") }

    /// The decoded subject.
    public var subject: String { Self.decodeEncodedWords(self["subject"] ?? "") }

    /// The Message-IDs this message answers or follows (`In-Reply-To`, `References`),
    /// without angle brackets.
    public var thread: [String] {
        let text = (self["in-reply-to"] ?? "") + " " + (self["references"] ?? "")
        return text.split(whereSeparator: { $0 == "<" || $0 == ">" || $0 == " " || $0 == "," })
            .map(String.init).filter { $0.contains("@") }
    }

    /// What follows the header section (after the first empty line, CRLF or LF).
    public static func body(of message: String) -> Substring {
        for separator in ["\r\n\r\n", "\n\n"] {
            if let range = message.range(of: separator) { return message[range.upperBound...] }
        }
        return ""
    }

    /// A `Date:` header (RFC 5322 §3.3: "Mon, 30 Nov 2026 09:30:00 +0100"), if readable.
    public static func date(from text: String) -> Date? {
        // RFC 5322 dates are ASCII; Foundation's DateFormatter traps on some other text
        // ("T" and a combining mark, found by fuzzing), which would end the daemon.
        guard text.allSatisfy(\.isASCII) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        for pattern in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z"] {
            formatter.dateFormat = pattern
            let trimmed = text.replacingOccurrences(of: #"\s*\([^)]*\)\s*$"#, with: "", options: .regularExpression)
            if let date = formatter.date(from: trimmed.trimmingCharacters(in: .whitespaces)) { return date }
        }
        return nil
    }

    /// Every `local@domain` in a header value, lower-cased: what the pattern
    /// `[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}` matches, left to right.
    ///
    /// A scan outward from each "@" rather than that Regex: the Regex retries from every
    /// position of a long run without "@", quadratic in its length (a 1 MiB line took
    /// minutes, found by fuzzing the mail readers).
    public static func addresses(in value: String) -> [String] {
        let bytes = Array(value.utf8)
        func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
        func isAlphanumeric(_ byte: UInt8) -> Bool { isLetter(byte) || (0x30...0x39).contains(byte) }
        func isLocal(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || "._%+-'".utf8.contains(byte) }
        func isDomain(_ byte: UInt8) -> Bool { isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") }

        var found: [String] = []
        var taken = 0  // matches do not overlap
        for at in bytes.indices where bytes[at] == UInt8(ascii: "@") && at >= taken {
            var start = at
            while start > taken, isLocal(bytes[start - 1]) { start -= 1 }
            guard start < at else { continue }
            var runEnd = at + 1
            while runEnd < bytes.count, isDomain(bytes[runEnd]) { runEnd += 1 }
            // The longest domain that ends in "." and two letters or more, with a
            // character before that dot.
            var end: Int?
            for dot in (at + 2)..<max(at + 2, runEnd) where bytes[dot] == UInt8(ascii: ".") {
                var letters = dot + 1
                while letters < runEnd, isLetter(bytes[letters]) { letters += 1 }
                if letters - dot - 1 >= 2 { end = max(end ?? 0, letters) }
            }
            guard let end else { continue }
            found.append(String(decoding: bytes[start..<end], as: UTF8.self).lowercased())
            taken = end
        }
        return found
    }

    /// RFC 2047: `=?charset?B|Q?text?=` words, decoded; anything unreadable is kept as is.
    static func decodeEncodedWords(_ text: String) -> String {
        let pattern = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/
        var result = ""
        var rest = text[...]
        while let match = rest.firstMatch(of: pattern) {
            let between = rest[rest.startIndex..<match.range.lowerBound]
            // Whitespace between two encoded words is not part of the text.
            if !(result.hasSuffix("\u{0}") && between.allSatisfy(\.isWhitespace)) { result += between }
            result = result.replacingOccurrences(of: "\u{0}", with: "")
            let charset = String(match.output.1).lowercased()
            let payload = String(match.output.3)
            var bytes: [UInt8]?
            if match.output.2.lowercased() == "b" {
                bytes = Data(base64Encoded: payload, options: .ignoreUnknownCharacters).map { [UInt8]($0) }
            } else {
                bytes = QuotedPrintable.decode(Array(payload.utf8), underscoreIsSpace: true)
            }
            if let bytes {
                let decoded = charset.contains("8859-1") || charset.contains("latin")
                    ? String(bytes.map { Character(Unicode.Scalar($0)) })
                    : String(decoding: bytes, as: UTF8.self)
                result += decoded + "\u{0}"
            } else {
                result += String(match.output.0)
            }
            rest = rest[match.range.upperBound...]
        }
        result += rest
        return result.replacingOccurrences(of: "\u{0}", with: "")
    }
}
