/// A text body as lines of octets, in the transfer encoding it needs.
///
/// Line breaks of any style (CRLF, LF, lone CR) become the message's own line ends, so
/// no bare CR or LF ever reaches the wire (RFC 5322 §2.3). `8bit` keeps the text readable
/// in the raw message; a body with a line over 998 octets (RFC 5322 §2.1.1) or a NUL
/// switches to quoted-printable, whose soft line breaks wrap long lines without changing
/// a single character of what the reader sees.
struct MailBody: Sendable, Hashable {
    /// The `Content-Transfer-Encoding` value.
    enum TransferEncoding: String, Sendable {
        case eightBit = "8bit"
        case quotedPrintable = "quoted-printable"
    }

    /// RFC 5322 §2.1.1: at most 998 octets per line, excluding CRLF.
    static let maxLineOctets = 998
    /// RFC 2045 §6.7 (5): encoded lines are at most 76 characters.
    static let quotedPrintableLineLength = 76

    let transferEncoding: TransferEncoding
    /// Encoded lines, without line ends.
    let lines: [[UInt8]]

    init(text: String) {
        let logical = Self.splitLines(Array(text.utf8))
        let needsQP = logical.contains { $0.count > Self.maxLineOctets || $0.contains(0) }
        if needsQP {
            transferEncoding = .quotedPrintable
            lines = logical.flatMap(Self.quotedPrintable)
        } else {
            transferEncoding = .eightBit
            lines = logical
        }
    }

    /// Splits on CRLF, LF or CR; a final line break does not make an extra empty line.
    static func splitLines(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0D || byte == 0x0A {
                lines.append(current)
                current = []
                if byte == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            } else {
                current.append(byte)
            }
            index += 1
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }

    /// One hard line as quoted-printable lines (RFC 2045 §6.7): printable ASCII except
    /// `=` as is, the rest as `=XX`, whitespace before a line end encoded, and soft
    /// breaks (`=` at the end) keeping every line within 76 characters.
    static func quotedPrintable(_ line: [UInt8]) -> [[UInt8]] {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [[UInt8]] = []
        var current: [UInt8] = []
        for (index, byte) in line.enumerated() {
            let isLast = index == line.count - 1
            let literal = (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "="))
                || ((byte == 0x20 || byte == 0x09) && !isLast)
            let token: [UInt8] = literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            // Leave room for the soft-break "=" unless this token ends the hard line.
            let limit = isLast ? quotedPrintableLineLength : quotedPrintableLineLength - 1
            if current.count + token.count > limit {
                output.append(current + [UInt8(ascii: "=")])
                current = []
            }
            current += token
        }
        output.append(current)
        return output
    }
}
