import Foundation

/// One unfolded vCard content line, `[group.]NAME;PARAM=value:value` (RFC 6350 §3.3,
/// RFC 2426 §4), with its value still as bytes: escapes and quoted-printable are undone
/// per property, since how to split a value (`;` components, `,` lists) depends on it.
struct ContentLine {
    /// 1-based line the property starts on.
    var line: Int
    /// `item1` in `item1.EMAIL` (Apple and Google group a value with its label this way).
    var group: String?
    /// The property name, uppercased.
    var name: String
    /// Parameters by uppercased name; bare vCard 2.1 parameters (`TEL;WORK;VOICE`) are
    /// filed under TYPE, or ENCODING for `QUOTED-PRINTABLE`/`BASE64`.
    var parameters: [String: [String]]
    /// The raw value bytes after the first unquoted colon.
    var value: ArraySlice<UInt8>

    /// The first value of parameter `name` (uppercased), if any.
    func parameter(_ name: String) -> String? { parameters[name]?.first }

    /// Whether a TYPE value equals `type`, ignoring case.
    func hasType(_ type: String) -> Bool {
        parameters["TYPE"]?.contains { $0.caseInsensitiveCompare(type) == .orderedSame } ?? false
    }

    /// How preferred the value is: 1 is most (vCard 4 `PREF=1`, vCard 3 `TYPE=pref`),
    /// 101 when unmarked, so a stable sort puts preferred values first.
    var preference: Int {
        if let pref = parameter("PREF") { return Int(pref) ?? 1 }
        return hasType("pref") ? 1 : 101
    }

    /// Parses one logical (unfolded) line; nil when it has no colon.
    init?(bytes: ArraySlice<UInt8>, line: Int) {
        var colon: Int?
        var quoted = false
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            else if byte == UInt8(ascii: ":") && !quoted { colon = index; break }
        }
        guard let colon else { return nil }
        self.line = line
        value = bytes[(colon + 1)...]
        // Names and parameters are ASCII (RFC 6350 §3.3), so they are read as bytes:
        // Foundation's trimming and case mapping were a third of the parse time.
        let head = ContentLine.split(bytes[bytes.startIndex..<colon], on: UInt8(ascii: ";"))
        let fullName = ContentLine.trimmed(head[0])
        if let dot = fullName.lastIndex(of: UInt8(ascii: ".")) {
            group = String(decoding: fullName[..<dot], as: UTF8.self)
            name = ContentLine.upper(fullName[(dot + 1)...])
        } else {
            group = nil
            name = ContentLine.upper(fullName)
        }
        var parameters: [String: [String]] = [:]
        for raw in head.dropFirst() {
            if let equals = raw.firstIndex(of: UInt8(ascii: "=")) {
                let key = ContentLine.upper(ContentLine.trimmed(raw[..<equals]))
                let values = ContentLine.split(raw[(equals + 1)...], on: UInt8(ascii: ","))
                    .map { String(decoding: ContentLine.trimmed($0, also: UInt8(ascii: "\"")), as: UTF8.self) }
                parameters[key, default: []].append(contentsOf: values)
            } else {
                let bare = String(decoding: ContentLine.trimmed(raw), as: UTF8.self)
                switch bare.uppercased() {
                case "QUOTED-PRINTABLE", "BASE64", "B", "8BIT", "7BIT": parameters["ENCODING", default: []].append(bare)
                case "": break
                default: parameters["TYPE", default: []].append(bare)
                }
            }
        }
        self.parameters = parameters
    }

    /// Whether the value is quoted-printable (vCard 2.1 and Apple/Google 3.0 notes).
    var isQuotedPrintable: Bool {
        parameters["ENCODING"]?.contains { $0.caseInsensitiveCompare("QUOTED-PRINTABLE") == .orderedSame } ?? false
    }

    /// Whether the value is base64 (photos, keys): binary, never text.
    var isBinary: Bool {
        parameters["ENCODING"]?.contains { ["B", "BASE64"].contains($0.uppercased()) } ?? false
    }

    /// The value's bytes with quoted-printable undone, still escaped.
    var decodedBytes: [UInt8] {
        isQuotedPrintable ? QuotedPrintable.decode(value) : Array(value)
    }

    /// The value as one unescaped text (FN, NOTE, EMAIL, URL, …).
    var text: String { string(ContentLine.unescape(decodedBytes[...])) }

    /// The `;`-separated components of a structured value (N, ORG), each unescaped.
    var components: [String] {
        ContentLine.split(decodedBytes[...], on: UInt8(ascii: ";"), escapes: true).map { string(ContentLine.unescape($0)) }
    }

    /// The `,`-separated items of a list value (CATEGORIES), each unescaped.
    var list: [String] {
        ContentLine.split(decodedBytes[...], on: UInt8(ascii: ","), escapes: true).map { string(ContentLine.unescape($0)) }
    }

    /// Bytes as text in the value's charset. Only quoted-printable values can be in
    /// another charset than the file's (the caller handed us a Swift string, so the rest
    /// is already Unicode); invalid UTF-8 falls back to Latin-1, the de-facto 2.1 default.
    private func string(_ bytes: [UInt8]) -> String {
        if isQuotedPrintable, let charset = parameter("CHARSET")?.uppercased(),
           ["ISO-8859-1", "ISO8859-1", "LATIN1", "WINDOWS-1252", "CP1252"].contains(charset) {
            return String(bytes: bytes, encoding: .windowsCP1252) ?? String(decoding: bytes, as: UTF8.self)
        }
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(bytes: bytes, encoding: .windowsCP1252) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// `bytes` split on `separator`, ignoring separators inside double quotes, or (with
    /// `escapes`) preceded by a backslash.
    static func split(_ bytes: ArraySlice<UInt8>, on separator: UInt8, escapes: Bool = false) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        var quoted = false
        while index < bytes.endIndex {
            let byte = bytes[index]
            if escapes && byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if !escapes && byte == UInt8(ascii: "\"") { quoted.toggle() }
            if byte == separator && !quoted {
                parts.append(bytes[start..<index])
                start = index + 1
            }
            index += 1
        }
        parts.append(bytes[start..<bytes.endIndex])
        return parts
    }

    /// `bytes` without leading and trailing spaces, tabs (and `also`, e.g. quotes).
    static func trimmed(_ bytes: ArraySlice<UInt8>, also extra: UInt8 = 0x20) -> ArraySlice<UInt8> {
        func isTrimmed(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == extra }
        guard let first = bytes.firstIndex(where: { !isTrimmed($0) }),
              let last = bytes.lastIndex(where: { !isTrimmed($0) }) else { return bytes[bytes.startIndex..<bytes.startIndex] }
        return bytes[first...last]
    }

    /// ASCII bytes uppercased, as a string (other bytes are kept).
    static func upper(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// Undoes RFC 6350 §3.4 escapes: `\n` `\N` → LF, `\,` `\;` `\\` (and the `\:` Apple
    /// writes in URLs) → the character. Any other backslash is kept, as 2.1 files use it literally.
    static func unescape(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        guard bytes.contains(UInt8(ascii: "\\")) else { return Array(bytes) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.endIndex {
                let next = bytes[index + 1]
                switch next {
                case UInt8(ascii: "n"), UInt8(ascii: "N"): out.append(UInt8(ascii: "\n")); index += 2; continue
                case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\\"), UInt8(ascii: ":"): out.append(next); index += 2; continue
                default: break
                }
            }
            out.append(byte)
            index += 1
        }
        return out
    }
}
