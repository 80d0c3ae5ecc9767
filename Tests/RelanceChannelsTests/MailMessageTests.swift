import Foundation
import RelanceChannels
import RelanceTestKit
import Testing

@Suite("MailMessage: RFC 5322 rendering")
struct MailMessageTests {
    let from = try! MailAddress("relance@host.example", displayName: "Relance")
    let to = try! MailAddress("me@example.com")

    func message(subject: String = "Suivi — Ada Lovelace", body: String = "Hello\nworld\n",
                 from: MailAddress? = nil, to: [MailAddress]? = nil) throws -> MailMessage {
        try MailMessage(from: from ?? self.from, to: to ?? [self.to], subject: subject, body: body,
                        messageID: MailMessage.messageID(inboxItemID: 42, hostname: "host.example"),
                        date: instant("2026-11-12T09:00:02Z"))
    }

    @Test func everyLineEndsWithCRLF() throws {
        let bytes = try message(body: "one\ntwo\r\nthree\rfour").rendered()
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)") }
            if byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)") }
        }
        #expect(Array(bytes.suffix(2)) == [0x0D, 0x0A])
        #expect(ParsedMail(bytes).bodyLines == ["one", "two", "three", "four"])
    }

    @Test func lfRenderingForSendmailHasNoCR() throws {
        let bytes = try message().rendered(lineEnding: .lf)
        #expect(!bytes.contains(0x0D))
        #expect(String(decoding: bytes, as: UTF8.self).contains("\nMIME-Version: 1.0\n"))
    }

    @Test func headersAreTheOnesAPlainTextMailNeeds() throws {
        let mail = ParsedMail(try message().rendered())
        #expect(mail.fields.map(\.name) == ["Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
                                            "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted"])
        #expect(mail.value("Date") == "Thu, 12 Nov 2026 09:00:02 +0000")
        #expect(mail.value("From") == "Relance <relance@host.example>")
        #expect(mail.value("To") == "me@example.com")
        #expect(mail.value("MIME-Version") == "1.0")
        #expect(mail.value("Content-Type") == "text/plain; charset=UTF-8")
        #expect(mail.value("Content-Transfer-Encoding") == "8bit")
        #expect(mail.value("Auto-Submitted") == "auto-generated")
    }

    @Test func nonASCIISubjectIsRFC2047EncodedAndDecodesBack() throws {
        let bytes = try message(subject: "Suivi — Ada Lovelace").rendered()
        let subject = try #require(ParsedMail(bytes).value("Subject"))
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        let headerBytes = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        #expect(headerBytes.unicodeScalars.allSatisfy { $0.isASCII }, "headers must be 7-bit")
        #expect(decodeEncodedWords(subject) == "Suivi — Ada Lovelace")
    }

    @Test func longSubjectIsFoldedIntoEncodedWordsOfAtMost75Characters() throws {
        let subject = String(repeating: "Relancer Ada Lovelace — l’analyse ", count: 6)
        let bytes = try message(subject: subject).rendered()
        let text = String(decoding: bytes, as: UTF8.self)
        let rawLines = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        let subjectLines = rawLines.drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subjectLines.count > 3)
        for line in subjectLines { #expect(line.count <= 76, "line too long: \(line)") }
        let words = subjectLines.joined().split(separator: " ").filter { $0.hasPrefix("=?") }
        for word in words {
            #expect(word.count <= 75)
            // Each word decodes to whole characters on its own (no UTF-8 sequence split).
            let payload = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            #expect(String(data: Data(base64Encoded: String(payload))!, encoding: .utf8) != nil)
        }
        #expect(decodeEncodedWords(try #require(ParsedMail(bytes).value("Subject"))) == subject)
    }

    @Test func longASCIISubjectFoldsAtSpacesAndUnfoldsToTheSameText() throws {
        let subject = (1...30).map { "word\($0)" }.joined(separator: " ")
        let bytes = try message(subject: subject).rendered()
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 78 })
        #expect(ParsedMail(bytes).value("Subject") == subject)
    }

    @Test func subjectWithLineBreakIsEncodedNotSplitIntoHeaders() throws {
        let bytes = try message(subject: "Hi\r\nBcc: victim@example.com").rendered()
        let mail = ParsedMail(bytes)
        #expect(!mail.fields.contains { $0.name.lowercased() == "bcc" })
        #expect(decodeEncodedWords(try #require(mail.value("Subject"))) == "Hi\r\nBcc: victim@example.com")
    }

    @Test func messageIDIsStablePerInboxItemAndChannel() throws {
        #expect(try MailMessage.messageID(inboxItemID: 42, hostname: "host.example") == "relance.inbox-42.mail@host.example")
        #expect(try MailMessage.messageID(inboxItemID: 42, channel: "mail2", hostname: "host.example")
            != MailMessage.messageID(inboxItemID: 42, hostname: "host.example"))
        // Rendering twice (a retry after a crash) gives the same bytes.
        #expect(try message().rendered() == message().rendered())
        #expect(ParsedMail(try message().rendered()).value("Message-ID") == "<relance.inbox-42.mail@host.example>")
    }

    @Test func messageIDWithBadHostNameIsRefused() {
        #expect(throws: ChannelError.self) { try MailMessage.messageID(inboxItemID: 1, hostname: "host\r\nBcc: x@y") }
        #expect(throws: ChannelError.self) { try MailMessage.messageID(inboxItemID: 1, hostname: "my host") }
        #expect(throws: ChannelError.self) { try MailMessage.messageID(inboxItemID: 1, hostname: "") }
    }

    @Test func displayNameWithLineBreakCannotAddAHeader() throws {
        let evil = try MailAddress("ada@example.com", displayName: "Ada\r\nBcc: x@y")
        let bytes = try message(from: evil, to: [evil]).rendered()
        let mail = ParsedMail(bytes)
        #expect(!mail.fields.contains { $0.name.lowercased() == "bcc" })
        #expect(mail.fields.count == 9)
        let fromValue = try #require(mail.value("From"))
        #expect(fromValue.hasSuffix("<ada@example.com>"))
        #expect(decodeEncodedWords(fromValue) == "Ada\r\nBcc: x@y <ada@example.com>")
    }

    @Test func displayNameWithSpecialsIsQuoted() throws {
        let lovelace = try MailAddress("ada@example.com", displayName: "Lovelace, \"Ada\"")
        let two = try MailAddress("bob@example.com", displayName: "Bob Smith")
        let mail = ParsedMail(try message(to: [lovelace, two]).rendered())
        #expect(mail.value("To") == "\"Lovelace, \\\"Ada\\\"\" <ada@example.com>, Bob Smith <bob@example.com>")
    }

    @Test func longBodyLinesAreWrappedWithoutChangingTheText() throws {
        let long = String(repeating: "Ada Lovelace — machine analytique = 42. ", count: 60)  // > 998 octets
        let body = "Short line\n\(long)\nlast line   "
        let mail = ParsedMail(try message(body: body).rendered())
        #expect(mail.value("Content-Transfer-Encoding") == "quoted-printable")
        #expect(mail.bodyLines.allSatisfy { $0.utf8.count <= 76 })
        #expect(decodeQuotedPrintable(mail.bodyLines) == body)
    }

    @Test func shortBodyStaysReadable8Bit() throws {
        let mail = ParsedMail(try message(body: "Relancer Ada — merci !\n.starts with a dot\n").rendered())
        #expect(mail.value("Content-Transfer-Encoding") == "8bit")
        // No dot-stuffing here: curl does it on the wire, sendmail -i needs none.
        #expect(mail.bodyLines == ["Relancer Ada — merci !", ".starts with a dot"])
    }

    @Test func aMessageNeedsARecipient() {
        #expect(throws: ChannelError.self) {
            try MailMessage(from: from, to: [], subject: "x", body: "", messageID: "a@b", date: Date())
        }
    }
}
