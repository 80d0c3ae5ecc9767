/// Writes vCard and iCalendar content lines: escaped, folded, CRLF-terminated.
///
/// RFC 6350 §3.2 and RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets excluding
/// the CRLF; longer ones are folded with CRLF + space. Folding never splits a UTF-8
/// sequence: some parsers decode each physical line on its own.
struct ContentLineWriter {
    private(set) var output: [UInt8] = []

    /// Appends `name` (with its `;PARAM=…` part) and an already-encoded `value`.
    mutating func line(_ name: String, _ value: String) {
        fold(Array(name.utf8) + [UInt8(ascii: ":")] + Array(value.utf8))
    }

    /// Appends a TEXT property: `value` escaped (RFC 6350 §3.4, RFC 5545 §3.3.11).
    mutating func text(_ name: String, _ value: String) {
        line(name, Self.escape(value))
    }

    /// The text written so far.
    var string: String { String(decoding: output, as: UTF8.self) }

    private mutating func fold(_ bytes: [UInt8]) {
        var start = 0
        var limit = 75
        while bytes.count - start > limit {
            var end = start + limit
            // Back up to the first byte of a UTF-8 sequence (continuation bytes are 10xxxxxx).
            while end > start + 1 && bytes[end] & 0xC0 == 0x80 { end -= 1 }
            output += bytes[start..<end]
            output += [0x0D, 0x0A, 0x20]
            start = end
            limit = 74 // the leading space counts toward the 75
        }
        output += bytes[start...]
        output += [0x0D, 0x0A]
    }

    /// TEXT escaping: backslash, comma, semicolon and line breaks; other control
    /// characters are dropped (RFC 5545 forbids them in values, HTAB aside).
    static func escape(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case ",": out.append(contentsOf: "\\,".unicodeScalars)
            case ";": out.append(contentsOf: "\\;".unicodeScalars)
            case "\r": out.append(contentsOf: "\\n".unicodeScalars)
            case "\n": if !previousCR { out.append(contentsOf: "\\n".unicodeScalars) }
            case "\t": out.append(scalar)
            default: if !TextCleaning.isControl(scalar) { out.append(scalar) }
            }
        }
        return String(out)
    }

    /// A value that must stay on one line and unescaped (a URI): control characters removed.
    static func uri(_ text: String) -> String {
        TextCleaning.singleLine(text).replacingOccurrences(of: " ", with: "%20")
    }

    /// A parameter value, quoted when it holds `:`, `;` or `,` (RFC 6350 §5, RFC 5545
    /// §3.2); double quotes cannot appear at all and are removed.
    static func parameter(_ text: String) -> String {
        let clean = TextCleaning.singleLine(text).replacingOccurrences(of: "\"", with: "")
        return clean.contains(where: { $0 == ":" || $0 == ";" || $0 == "," }) ? "\"\(clean)\"" : clean
    }
}
