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

/// What a bounce says: the failed recipient, the status and words, the original's id.
@Suite struct DeliveryStatusReportTests {
    @Test func readsAStandardDeliveryStatusReport() {
        let body = """
            --boundary
            Content-Type: text/plain

            This is the mail system at host mx.example.com.
            --boundary
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.com

            Final-Recipient: rfc822; Ada@Example.com
            Original-Recipient: rfc822;ada@example.com
            Action: failed
            Status: 5.1.1
            Diagnostic-Code: smtp; 550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown
            --boundary
            Content-Type: text/rfc822-headers

            From: Sam <sam@example.com>
            Message-ID: <ask-1@sam.example>
            Subject: A 20-minute coffee chat?
            --boundary--
            """
        let report = DeliveryStatusReport(body: body)
        #expect(report.recipients == ["ada@example.com"])
        #expect(report.status == "5.1.1")
        #expect(report.reason == "550 5.1.1 <ada@example.com>: Recipient address rejected: User unknown")
        #expect(report.originalMessageIDs == ["ask-1@sam.example"])
    }

    @Test func readsAPlainTextBounceBestEffort() {
        let report = DeliveryStatusReport(body: """
            I'm sorry to have to inform you that your message could not be delivered.

            <grace@example.com>: 550 mailbox unavailable
            """)
        #expect(report.recipients == ["grace@example.com"])
        #expect(report.reason == "550 mailbox unavailable")
    }
}
