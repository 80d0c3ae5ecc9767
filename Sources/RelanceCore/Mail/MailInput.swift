/// How much of a message Relance reads, and how it is cut to travel in one Varlink call.
/// Only the headers and the start of the text are ever read (see `MailHeaders`,
/// `CalendarPart`, `DeliveryStatusReport`): a 50 MB attachment is never held.
public enum MailInput {
    /// What `relancectl ingest` reads of standard input; the rest is drained, not kept.
    public static let stdinLimit = 512 * 1024
    /// What the Maildir watcher reads of a file, as the IMAP reader fetches at most.
    public static let fileLimit = 1 << 20

    /// The longest start of `text` whose JSON string form (RFC 8259 escapes, as
    /// Foundation writes them: `\"`, `\\`, `\n`…, `\u00XX` for other control
    /// characters, everything else as UTF-8) takes at most `budget` bytes. Half a
    /// megabyte of control bytes is 3 MB escaped, more than a Varlink message may be.
    public static func prefix(_ text: String, escapedBytes budget: Int) -> Substring {
        var used = 0
        var end = text.unicodeScalars.startIndex
        for scalar in text.unicodeScalars {
            let cost: Int
            switch scalar.value {
            case 0x22, 0x5C, 0x08, 0x09, 0x0A, 0x0C, 0x0D: cost = 2
            case 0..<0x20: cost = 6
            default: cost = UTF8.width(scalar)
            }
            guard used + cost <= budget else { break }
            used += cost
            end = text.unicodeScalars.index(after: end)
        }
        // Cut on a Character boundary (a CR LF pair is one Character).
        let index = end.samePosition(in: text) ?? text[..<end].indices.last ?? text.startIndex
        return text[..<index]
    }
}
