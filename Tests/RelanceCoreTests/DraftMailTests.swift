import Foundation
import RelanceCore
import Testing

@Suite("A draft as a mail message")
struct DraftMailTests {
    static let date = Date(timeIntervalSince1970: 1_795_768_200)   // Fri 27 Nov 2026 08:30 UTC

    @Test func aReplyCarriesTheThreadHeadersAndEncodedNames() {
        let mail = DraftMail(fromName: "Sam Taylor", fromAddress: "sam@example.com", toName: "Émilie du Châtelet",
                             toAddress: "emilie@example.com", subject: "Re: un café de 20 minutes", body: "Bonjour Émilie,\n",
                             inReplyTo: "CAF3x@mail.example.com", messageID: "relance-draft.1@host", date: Self.date)
        #expect(mail.rendered() == """
            Date: Fri, 27 Nov 2026 08:30:00 +0000
            From: Sam Taylor <sam@example.com>
            To: =?UTF-8?B?w4ltaWxpZSBkdSBDaMOidGVsZXQ=?= <emilie@example.com>
            Subject: =?UTF-8?B?UmU6IHVuIGNhZsOpIGRlIDIwIG1pbnV0ZXM=?=
            Message-ID: <relance-draft.1@host>
            In-Reply-To: <CAF3x@mail.example.com>
            References: <CAF3x@mail.example.com>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=UTF-8
            Content-Transfer-Encoding: 8bit

            Bonjour Émilie,

            """)
        #expect(DraftMail.subject(draftSubject: "Following up: advice", ask: "advice", replying: true) == "Re: advice")
        #expect(DraftMail.subject(draftSubject: "Following up: advice", ask: "advice", replying: false) == "Following up: advice")
    }

    @Test func longNamesBecomeSeveralEncodedWordsAndSpecialsAreQuoted() {
        let words = DraftMail(fromName: "Dr. Sam \"Sandwich\" Taylor", fromAddress: "sam@example.com", toName: "x", toAddress: nil,
                              subject: String(repeating: "é", count: 60), body: "", inReplyTo: nil, messageID: "a@b", date: Self.date)
            .rendered()
        #expect(words.contains("From: \"Dr. Sam \\\"Sandwich\\\" Taylor\" <sam@example.com>\n"))
        #expect(!words.contains("To:"))
        let subject = words.components(separatedBy: "\n").drop { !$0.hasPrefix("Subject:") }.prefix { $0.hasPrefix("Subject:") || $0.hasPrefix(" ") }
        #expect(subject.count > 1 && subject.allSatisfy { $0.count <= 78 })
    }

    @Test func messageIDsArePastedWithOrWithoutBrackets() throws {
        #expect(try Validation.messageID("<CAF3x@mail.example.com>") == "CAF3x@mail.example.com")
        #expect(try Validation.messageID(" CAF3x@mail.example.com ") == "CAF3x@mail.example.com")
        #expect(try Validation.messageID("") == nil)
        #expect(throws: ValidationError.self) { try Validation.messageID("no at sign") }
        #expect(throws: ValidationError.self) { try Validation.messageID("a@b>\r\nBcc: x@y") }
    }
}
