import Foundation

/// Text of vCard and iCalendar files whose folding split a character.
///
/// RFC 5545 §3.1 and RFC 6350 §3.2 fold lines at 75 octets and ask writers not to split
/// a UTF-8 sequence, but some do (KDE's kcontacts test cards, from real address books):
/// the file is then not valid UTF-8 as a whole, yet is once unfolded. Read as Latin-1, each
/// such card's name would turn to mojibake.
public enum FoldedText {
    /// `data` as UTF-8, or, when only a fold splitting a character keeps it from being
    /// UTF-8, with each such character's continuation bytes moved before its fold (the
    /// lines stay where they are, so line numbers stay right); nil when neither reads.
    public static func utf8(_ data: Data) -> String? {
        if let text = String(data: data, encoding: .utf8) { return text }
        let bytes = [UInt8](data)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            var end = index  // the LF of a line break starting at index
            if bytes[end] == 0x0D, end + 1 < bytes.count, bytes[end + 1] == 0x0A { end += 1 }
            if bytes[end] == 0x0A, end + 1 < bytes.count, bytes[end + 1] == 0x20 || bytes[end + 1] == 0x09 {
                var next = end + 2
                while next < bytes.count, bytes[next] & 0xC0 == 0x80 { out.append(bytes[next]); next += 1 }
                out.append(contentsOf: bytes[index...(end + 1)])
                index = next
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return String(data: Data(out), encoding: .utf8)
    }
}
