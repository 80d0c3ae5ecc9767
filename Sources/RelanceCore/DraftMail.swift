import Foundation

/// A drafted follow-up as a ready RFC 5322 message, for the user's mail client to open
/// (`relancectl draft N --mail`): From, To, Subject, Date, Message-ID, and In-Reply-To /
/// References when the original message's id is known, then the plain-text body.
/// Relance never sends it. Pure: the date and the Message-ID are inputs.
public struct DraftMail: Sendable, Equatable {
    public var fromName: String?
    public var fromAddress: String?
    public var toName: String
    public var toAddress: String?
    public var subject: String
    public var body: String
    /// The original message's Message-ID (no angle brackets): the draft replies to it,
    /// and its subject says "Re: …".
    public var inReplyTo: String?
    /// This draft's own Message-ID (no angle brackets).
    public var messageID: String
    public var date: Date

    public init(fromName: String?, fromAddress: String?, toName: String, toAddress: String?, subject: String,
                body: String, inReplyTo: String?, messageID: String, date: Date) {
        self.fromName = fromName; self.fromAddress = fromAddress; self.toName = toName; self.toAddress = toAddress
        self.subject = subject; self.body = body; self.inReplyTo = inReplyTo; self.messageID = messageID; self.date = date
    }

    /// The subject as sent: "Re: " and the ask when it replies in the original thread
    /// (mail clients thread by In-Reply-To and show the "Re:"), else the draft's own.
    public static func subject(draftSubject: String, ask: String, replying: Bool) -> String {
        replying ? "Re: \(ask)" : draftSubject
    }

    /// The message with LF line ends (how Maildir files and standard output carry it);
    /// header fields folded under 78 characters, non-ASCII words as RFC 2047 encoded words.
    public func rendered() -> String {
        var fields: [(String, String)] = []
        fields.append(("Date", Self.rfc5322Date(date)))
        if let fromAddress { fields.append(("From", Self.mailbox(fromName, fromAddress))) }
        if let toAddress { fields.append(("To", Self.mailbox(toName, toAddress))) }
        fields.append(("Subject", Self.encodedText(subject)))
        fields.append(("Message-ID", "<\(messageID)>"))
        if let inReplyTo {
            fields.append(("In-Reply-To", "<\(inReplyTo)>"))
            fields.append(("References", "<\(inReplyTo)>"))
        }
        fields += [("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=UTF-8"),
                   ("Content-Transfer-Encoding", "8bit")]
        var text = ""
        for (name, value) in fields { text += Self.fold("\(name): \(value)") + "\n" }
        text += "\n"
        var bodyText = body.replacingOccurrences(of: "\r\n", with: "\n")
        if !bodyText.hasSuffix("\n") { bodyText += "\n" }
        return text + bodyText
    }

    /// `Name <address>`: the name as a quoted string, or encoded words when not ASCII.
    static func mailbox(_ name: String?, _ address: String) -> String {
        guard let name = name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return address }
        if name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) {
            let atext = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || " !#$%&'*+-/=?^_`{|}~".unicodeScalars.contains($0) }
            if atext { return "\(name) <\(address)>" }
            let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(quoted)\" <\(address)>"
        }
        return "\(encodedWords(name)) <\(address)>"
    }

    /// Unstructured text: as is when printable ASCII, else encoded words.
    static func encodedText(_ text: String) -> String {
        let single = text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        return single.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F }) ? single : encodedWords(single)
    }

    /// RFC 2047 "B" encoded words of at most 75 characters, split between characters,
    /// separated by spaces (which a reader drops between encoded words).
    static func encodedWords(_ text: String) -> String {
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            // 12 characters of "=?UTF-8?B?" + "?=", base64 grows 3 bytes into 4 characters.
            if (chunk.count + bytes.count + 2) / 3 * 4 + 12 > 75 {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=") }
        return words.joined(separator: " ")
    }

    /// Folds a header line at spaces so that lines stay within 78 characters where it can.
    static func fold(_ line: String) -> String {
        var lines: [String] = []
        var current = ""
        for word in line.split(separator: " ", omittingEmptySubsequences: false) {
            if current.isEmpty { current = String(word); continue }
            if current.count + 1 + word.count > 78 {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }

    /// "Fri, 27 Nov 2026 09:30:00 +0000" (RFC 5322 §3.3), in UTC.
    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, d MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }
}
