/// An RFC 4180 reader that knows the line each record starts on, so a rejection can
/// name it even after quoted fields with line breaks inside.
///
/// Lenient where spreadsheets are sloppy: a quote inside an unquoted field is kept, text
/// after a closing quote is appended, CR, LF or CRLF end a record. A quoted field that is
/// never closed is reported, and reading resumes on the line after the record's start,
/// so one stray quote costs one row, not the rest of the file.
struct CSVReader {
    /// One record: its fields, the 1-based line it starts on, and whether a quoted field
    /// ran to the end of the file without its closing quote.
    struct Record {
        var fields: [String]
        var line: Int
        var isUnterminated: Bool
        /// Whether the record spans several lines (a quoted field with a line break).
        var spansLines: Bool
        /// Byte offset of the record's start, to resume reading after a broken record.
        var offset: Int
        /// Whether every field is empty (blank lines between records).
        var isBlank: Bool { fields.allSatisfy(\.isEmpty) }
    }

    private let bytes: [UInt8]
    private var position: Int
    private var line = 1

    /// A reader over `text`; a UTF-8 byte-order mark (Excel, LinkedIn) is skipped.
    init(_ text: String) {
        bytes = Array(text.utf8)
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// The next record, or nil at the end of the text.
    mutating func next() -> Record? {
        guard position < bytes.count else { return nil }
        let startLine = line
        let startOffset = position
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false      // inside a quoted field
        var wasQuoted = false   // the current field began with a quote
        var index = position
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == 0x22 {
                    if index + 1 < bytes.count && bytes[index + 1] == 0x22 {
                        field.append(0x22)
                        index += 2
                        continue
                    }
                    quoted = false
                } else {
                    if byte == 0x0A || (byte == 0x0D && !(index + 1 < bytes.count && bytes[index + 1] == 0x0A)) { line += 1 }
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case 0x22 where field.isEmpty && !wasQuoted:
                quoted = true
                wasQuoted = true
            case 0x2C:
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                wasQuoted = false
            case 0x0D, 0x0A:
                fields.append(String(decoding: field, as: UTF8.self))
                index += (byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A) ? 2 : 1
                position = index
                let record = Record(fields: fields, line: startLine, isUnterminated: false,
                                    spansLines: line != startLine, offset: startOffset)
                line += 1
                return record
            default:
                field.append(byte)
            }
            index += 1
        }
        fields.append(String(decoding: field, as: UTF8.self))
        position = bytes.count
        return Record(fields: fields, line: startLine, isUnterminated: quoted,
                      spansLines: line != startLine, offset: startOffset)
    }

    /// Continues reading on the line after the one `record` starts on: the way to skip
    /// a record whose quotes swallowed the lines after it.
    mutating func resume(after record: Record) {
        var index = record.offset
        while index < bytes.count && bytes[index] != 0x0A && bytes[index] != 0x0D { index += 1 }
        if index < bytes.count && bytes[index] == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A { index += 1 }
        position = min(index + 1, bytes.count)
        line = record.line + 1
    }
}
