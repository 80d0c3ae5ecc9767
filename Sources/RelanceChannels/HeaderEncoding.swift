import Foundation

/// Header-field text as RFC 5322 and RFC 2047 want it: printable ASCII, folded lines,
/// non-ASCII (and anything that could break a line) in `=?UTF-8?B?…?=` encoded words.
///
/// Everything here works on *tokens*: pieces of a field body that were separated by one
/// space. ``fold(_:used:)`` joins them with a space, or with CRLF + space where a line
/// would grow past 78 characters; unfolding (removing the CRLF) gives back the same text.
enum HeaderEncoding {
    /// RFC 5322 §2.1.1: lines SHOULD stay within 78 characters (excluding CRLF).
    static let preferredLineLength = 78
    /// RFC 2047 §2: an encoded word is at most 75 characters…
    static let maxEncodedWordLength = 75
    /// …and a line holding encoded words at most 76.
    static let maxEncodedLineLength = 76
    /// `=?UTF-8?B?` + `?=`.
    private static let encodedWordOverhead = 12

    /// True when `text` cannot go into a header as is: anything outside printable ASCII
    /// (control characters included, so a CR/LF can never start a new header line), or
    /// a `=?` that a reader would mistake for an encoded word.
    static func needsEncoding(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value > 0x7E } || text.contains("=?")
    }

    /// `text` as base64 encoded words. The first word fits in `firstLength` characters,
    /// the others in 75. Words break only between Unicode scalars, so each decodes to
    /// whole characters (RFC 2047 §5 (3)).
    static func encodedWords(_ text: String, firstLength: Int) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        var capacity = payloadBytes(forWordLength: max(firstLength, encodedWordOverhead + 4))
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > capacity {
                words.append(encodedWord(chunk))
                chunk = []
                capacity = payloadBytes(forWordLength: maxEncodedWordLength)
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    /// The tokens of an unstructured field (`Subject`), given `used` characters already
    /// on the first line (`"Subject: ".count`).
    static func unstructuredTokens(_ text: String, used: Int) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        // A word too long to fold would make an over-long line: encode it instead.
        if needsEncoding(text) || words.contains(where: { $0.count > preferredLineLength - 1 }) {
            return encodedWords(text, firstLength: maxEncodedLineLength - used)
        }
        return words
    }

    /// The tokens of an address list (`From`, `To`): names quoted or encoded, addresses
    /// in angle brackets, commas between entries.
    static func addressListTokens(_ addresses: [MailAddress], used: Int) -> [String] {
        var tokens: [String] = []
        for (index, entry) in addresses.enumerated() {
            var entryTokens: [String]
            if let name = entry.displayName {
                let room = tokens.isEmpty ? maxEncodedLineLength - used : maxEncodedWordLength
                entryTokens = phraseTokens(name, firstLength: room) + ["<\(entry.address)>"]
            } else {
                entryTokens = [entry.address]
            }
            if index < addresses.count - 1 { entryTokens[entryTokens.count - 1] += "," }
            tokens += entryTokens
        }
        return tokens
    }

    /// A display name (RFC 5322 `phrase`): atoms as they are, other printable ASCII as
    /// one quoted string, anything else (non-ASCII, control characters) encoded.
    static func phraseTokens(_ name: String, firstLength: Int) -> [String] {
        if needsEncoding(name) { return encodedWords(name, firstLength: firstLength) }
        let words = name.split(separator: " ").map(String.init)
        let plain = words.allSatisfy { $0.unicodeScalars.allSatisfy(MailAddress.isAtext) }
        if plain { return words }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        if escaped.count + 2 > preferredLineLength - 1 { return encodedWords(name, firstLength: firstLength) }
        return ["\"\(escaped)\""]
    }

    /// Joins `tokens` with single spaces into the segments of one field, a new segment
    /// (rendered as CRLF + space) wherever the line would pass 78 characters. `used` is
    /// the length of `"Name: "` on the first line. Never folds before an empty token or
    /// after an empty segment, so no line is whitespace only (RFC 5322 §3.2.2).
    static func fold(_ tokens: [String], used: Int) -> [String] {
        var segments: [String] = []
        var current = ""
        var lineLength = used
        var first = true
        for token in tokens {
            if first {
                current = token
                lineLength += token.count
                first = false
            } else if lineLength + 1 + token.count > preferredLineLength, !current.isEmpty, !token.isEmpty {
                segments.append(current)
                current = token
                lineLength = 1 + token.count
            } else {
                current += " " + token
                lineLength += 1 + token.count
            }
        }
        segments.append(current)
        return segments
    }

    private static func payloadBytes(forWordLength length: Int) -> Int {
        // base64 turns each 3 bytes into 4 characters.
        (max(length - encodedWordOverhead, 4) / 4) * 3
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?\(Data(bytes).base64EncodedString())?="
    }
}
