import Foundation

/// The iCalendar text a message carries (a meeting invitation), best effort: a raw
/// `BEGIN:VCALENDAR … END:VCALENDAR`, or a `text/calendar` MIME part in base64 or
/// quoted-printable. Nil when there is none.
public enum CalendarPart {
    /// The most of a body searched.
    public static let readLimit = 512 * 1024

    public static func find(in body: Substring) -> String? {
        let text = String(body.prefix(readLimit))
        if let begin = text.range(of: "BEGIN:VCALENDAR"), let end = text.range(of: "END:VCALENDAR", range: begin.upperBound..<text.endIndex) {
            return String(text[begin.lowerBound..<end.upperBound])
        }
        // A text/calendar part: its headers, a blank line, then its encoded content up
        // to the next boundary line ("--…").
        guard let type = text.range(of: "text/calendar", options: .caseInsensitive) else { return nil }
        let rest = text[type.upperBound...]
        guard let headerEnd = rest.range(of: "\r\n\r\n") ?? rest.range(of: "\n\n") else { return nil }
        let headers = rest[..<headerEnd.lowerBound].lowercased()
        var content = rest[headerEnd.upperBound...]
        if let boundary = content.range(of: "\n--") { content = content[..<boundary.lowerBound] }
        if headers.contains("base64") {
            let compact = content.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: String(compact)) else { return nil }
            return String(decoding: data, as: UTF8.self)
        }
        if headers.contains("quoted-printable") {
            // Soft line breaks ("=" at a line's end) join lines, then the "=XY" bytes.
            let joined = content.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
            return String(decoding: QuotedPrintable.decode(Array(joined.utf8)), as: UTF8.self)
        }
        return nil
    }
}
