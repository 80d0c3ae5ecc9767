import Foundation
import RelanceCore
import Testing

/// Reading a message's headers: who, which thread, and what it means for an outreach.
@Suite struct MailMeaningTests {
    func message(_ headers: String) -> MailHeaders {
        MailHeaders(parsing: headers.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n\r\nThe body, never kept.\r\n")
    }

    @Test func readsFromThreadAndAnEncodedSubject() {
        let headers = message("""
            From: "Ada Lovelace" <Ada@Example.com>
            To: sam@example.com
            Subject: =?UTF-8?Q?Re:_caf=C3=A9?= =?UTF-8?B?IGNoYXQ=?=
            In-Reply-To: <abc123@example.com>
            References: <first@example.com>
             <abc123@example.com>
            """)
        #expect(headers.from == ["ada@example.com"])
        #expect(headers.subject == "Re: café chat")
        #expect(headers.thread == ["abc123@example.com", "first@example.com", "abc123@example.com"])
        #expect(MailMeaning.of(headers) == .reply)
    }

    @Test(arguments: [
        "Auto-Submitted: auto-replied\nSubject: Re: coffee",
        "X-Autoreply: yes\nSubject: Re: coffee",
        "Precedence: auto_reply\nSubject: Re: coffee",
        "Subject: Out of Office: back on 14 December",
        "Subject: Réponse automatique : absente jusqu'au 14/12",
        "Subject: =?UTF-8?Q?R=C3=A9ponse_automatique?=",
    ])
    func automaticAnswersAreNoReply(_ lines: String) {
        #expect(MailMeaning.of(message("From: ada@example.com\n" + lines)) == .autoReply)
    }

    @Test func autoSubmittedNoIsAPerson() {
        #expect(MailMeaning.of(message("From: ada@example.com\nAuto-Submitted: no\nSubject: Re: coffee")) == .reply)
    }

    @Test(arguments: [
        "From: MAILER-DAEMON@mx.example.com\nSubject: Undelivered Mail Returned to Sender",
        "From: postmaster@example.com\nSubject: Delivery Status Notification (Failure)",
        "From: mail@example.com\nContent-Type: multipart/report; report-type=delivery-status; boundary=x",
    ])
    func bouncesAreRecognised(_ lines: String) {
        #expect(MailMeaning.of(message(lines)) == .bounce)
    }

    @Test func garbageIsReadWithoutCrashing() {
        let headers = MailHeaders(parsing: String(repeating: ":::\n\t\u{0}=?x?Q?=ZZ?=\n", count: 1000))
        #expect(headers.from.isEmpty && MailMeaning.of(headers) == .reply)
    }
}
