import Foundation

/// One plain-text mail, rendered to the exact bytes a transport sends (RFC 5322, MIME).
///
/// Pure: no clock, no host lookup, no I/O. Everything that varies is an input, so the
/// same reminder always renders to the same bytes; that is what makes a re-send after a
/// crash "the same mail" to the receiving side (same `Message-ID`, same `Date`).
///
/// Nothing given to it can add a header: addresses are validated (``MailAddress``),
/// the `Message-ID` is checked, and the subject and display names are written as
/// RFC 2047 encoded words whenever they hold anything but printable ASCII.
public struct MailMessage: Sendable, Hashable {
    /// Line ends for the rendered message.
    public enum LineEnding: Sendable, Hashable {
        /// CRLF, as SMTP sends it (libcurl sends the message byte for byte).
        case crlf
        /// LF, the local convention a `sendmail` command reads on its standard input.
        case lf

        var bytes: [UInt8] { self == .crlf ? [0x0D, 0x0A] : [0x0A] }
    }

    /// The sender (`From`, and the SMTP envelope sender).
    public let from: MailAddress
    /// The recipients (`To`, and the SMTP envelope recipients). Never empty.
    public let to: [MailAddress]
    /// The subject as the reader should see it (any Unicode; encoded when rendered).
    public let subject: String
    /// The plain-text body; any line-break style.
    public let body: String
    /// The `Message-ID` without angle brackets, e.g. `relance.inbox-42.mail@host`.
    public let messageID: String
    /// The `Date` header.
    public let date: Date
    /// The zone the `Date` header is written in (the user's; UTC unless set).
    public var dateZone: TimeZone = TimeZone(identifier: "Etc/UTC")!
    /// Message-IDs (without angle brackets) this one follows: `In-Reply-To` when it
    /// answers one, `References` (RFC 5322 §3.6.4).
    public let inReplyTo: String?
    public let references: [String]

    /// A message from its parts.
    /// - Parameters:
    ///   - messageID: `id-left@id-right` without angle brackets; see
    ///     ``messageID(inboxItemID:channel:hostname:)`` for the stable form.
    ///   - date: usually when the reminder fired, so that a retry renders the same bytes.
    /// - Throws: ``ChannelError`` (``ChannelError/Code/invalidMessage``) when there is no
    ///   recipient or the Message-ID is not `dot-atom@dot-atom`.
    public init(from: MailAddress, to: [MailAddress], subject: String, body: String,
                messageID: String, date: Date, inReplyTo: String? = nil, references: [String] = []) throws {
        guard !to.isEmpty else {
            throw ChannelError(.invalidMessage, channel: "mail", "a mail needs at least one recipient (To)")
        }
        try Self.validateMessageID(messageID)
        for id in references + (inReplyTo.map { [$0] } ?? []) { try Self.validateMessageID(id) }
        self.inReplyTo = inReplyTo
        self.references = references
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.date = date
    }

    /// The stable Message-ID for one inbox item on one channel:
    /// `relance.inbox-42.mail@hostname`. The same inputs always give the same id, so
    /// a mail re-sent after a crash is recognisably the same message (RFC 5322 §3.6.4).
    /// - Throws: ``ChannelError`` (``ChannelError/Code/invalidMessage``) when
    ///   `hostname` or `channel` cannot appear in a Message-ID.
    public static func messageID(inboxItemID: Int64, channel: String = "mail", hostname: String) throws -> String {
        try messageID(key: "inbox-\(inboxItemID)", channel: channel, hostname: hostname)
    }

    /// The Message-ID for a delivery key (`<store namespace>.inbox-42[.r-57]`):
    /// `relance.<key>.mail@hostname`. Globally unique because the key carries the store's
    /// random namespace; the same for a retry of the same delivery.
    public static func messageID(key: String, channel: String = "mail", hostname: String) throws -> String {
        let id = "relance.\(key).\(channel)@\(hostname)"
        try validateMessageID(id)
        return id
    }

    /// The envelope recipients, in order.
    public var recipients: [String] { to.map(\.address) }

    /// The transfer encoding the body will use: `8bit`, or `quoted-printable` when a line
    /// is longer than 998 octets.
    public var contentTransferEncoding: String { MailBody(text: body).transferEncoding.rawValue }

    /// The complete message: header fields, an empty line, the body, every line ended
    /// with `lineEnding`, no line longer than 998 octets.
    public func rendered(lineEnding: LineEnding = .crlf) -> [UInt8] {
        let eol = lineEnding.bytes
        let encodedBody = MailBody(text: body)
        let fields: [(String, [String])] = [
            ("Date", [MailDate.format(date, in: dateZone)]),
            ("From", HeaderEncoding.addressListTokens([from], used: "From: ".count)),
            ("To", HeaderEncoding.addressListTokens(to, used: "To: ".count)),
            ("Subject", HeaderEncoding.unstructuredTokens(subject, used: "Subject: ".count)),
            ("Message-ID", ["<\(messageID)>"]),
        ] + (inReplyTo.map { [("In-Reply-To", ["<\($0)>"])] } ?? [])
          + (references.isEmpty ? [] : [("References", references.map { "<\($0)>" })]) + [
            ("MIME-Version", ["1.0"]),
            ("Content-Type", ["text/plain;", "charset=UTF-8"]),
            ("Content-Transfer-Encoding", [encodedBody.transferEncoding.rawValue]),
            // RFC 3834 §5: marks it as machine-made, so auto-responders stay quiet.
            ("Auto-Submitted", ["auto-generated"]),
        ]
        var bytes: [UInt8] = []
        for (name, tokens) in fields {
            let segments = HeaderEncoding.fold(tokens, used: name.count + 2)
            bytes += Array("\(name): ".utf8)
            for (index, segment) in segments.enumerated() {
                if index > 0 { bytes += eol + [0x20] }
                bytes += Array(segment.utf8)
            }
            bytes += eol
        }
        bytes += eol
        for line in encodedBody.lines { bytes += line + eol }
        return bytes
    }

    /// `id-left "@" id-right`, both dot-atom-text (RFC 5322 §3.6.4), so it can be put
    /// between angle brackets as is.
    static func validateMessageID(_ id: String) throws {
        let parts = id.split(separator: "@", omittingEmptySubsequences: false)
        let ok = parts.count == 2 && parts.allSatisfy { part in
            part.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
                !atom.isEmpty && atom.unicodeScalars.allSatisfy(MailAddress.isAtext)
            }
        }
        guard ok else {
            let shown = id.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
            throw ChannelError(.invalidMessage, channel: "mail",
                               "'\(shown)' cannot be a Message-ID: it must be letters, digits and dots on both sides of one '@' (check the configured host name)")
        }
    }
}
