import Foundation
import RelanceAPI
import RelanceCalendar
import RelanceCore
import RelanceStore

/// What a message given to `Ingest` says, read from it alone (no store): who it is
/// from, which thread, what it means, and what of it may be recorded. The personal
/// daemon and a team node read a message the same way and differ only in the store that
/// records it.
struct ReceivedMail {
    var headers: MailHeaders
    /// Its Message-ID without the angle brackets: the key that makes reading it twice
    /// change nothing.
    var messageID: String?
    var meaning: MailMeaning
    /// Who it is from; for a bounce, the addresses the report says failed.
    var senders: [String]
    /// The Message-IDs it answers (In-Reply-To, References; a bounce's original too).
    var thread: [String]
    /// The subject, or for a bounce "address: reason".
    var subject: String
    /// For an automatic answer, the day it says they are back.
    var returnDay: LocalDate?
    var bounceReason: String?
    /// A meeting an invitation in a reply offers.
    var offer: OfferedMeeting?

    /// The same named error as ever for text with no header: nothing is read, nothing changes.
    static let noHeader = ControlError.invalidParameter("message",
        reason: "no header found: give the whole message as received (headers, a blank line, then the body)")

    /// The headers and Message-ID only (enough for mail you sent).
    static func headers(of message: String) throws -> (MailHeaders, String?) {
        let headers = MailHeaders(parsing: message)
        guard !headers.fields.isEmpty else { throw noHeader }
        let messageID = headers["message-id"].map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) }
        return (headers, messageID)
    }

    /// Reads a received message; `today` is read in `zone` (the reader's) for a return date.
    init(reading message: String, now: Date, zone: TimeZone) throws {
        (headers, messageID) = try Self.headers(of: message)
        meaning = MailMeaning.of(headers)
        // The return date is read from the subject and the first lines of the body, which
        // are not kept.
        let firstLines = String(MailHeaders.body(of: message).prefix(2000))
        returnDay = meaning == .autoReply
            ? ReturnDate.find(in: headers.subject + "\n" + firstLines, today: LocalDate(now, in: zone)) : nil
        senders = headers.from
        thread = headers.thread
        subject = headers.subject
        if meaning == .bounce {
            // Who bounced, and which message: from the report in the body, not kept.
            let report = DeliveryStatusReport(body: String(MailHeaders.body(of: message)))
            senders = report.recipients
            thread += report.originalMessageIDs
            bounceReason = report.reason
            if let recipient = report.recipients.first {
                subject = "\(recipient)" + (report.reason.map { ": \($0)" } ?? "")
            }
        }
        offer = meaning == .reply ? Self.offeredMeeting(in: message) : nil
    }

    /// The meeting an invitation in the message offers (its first event), if any.
    static func offeredMeeting(in message: String) -> OfferedMeeting? {
        guard let calendar = CalendarPart.find(in: MailHeaders.body(of: message)),
              let event = try? ICSParser.events(fromICS: calendar).first else { return nil }
        let zone = event.timeZone ?? TimeZone(identifier: "UTC")!
        let start = event.start.instant(in: zone)
        var end = event.end.map { $0.instant(in: zone) } ?? start.addingTimeInterval(3600)
        if end <= start { end = start.addingTimeInterval(3600) }
        let place = event.location.map { $0.replacingOccurrences(of: "\n", with: ", ") } ?? "the place in their invitation"
        return OfferedMeeting(startsAt: start, endsAt: end, place: String(place.prefix(200)),
                              uid: event.uid.hasPrefix("synthetic-") ? nil : event.uid, summary: event.summary)
    }
}

/// Mail you sent: who to, when, and the ask it would log.
struct SentMail {
    var messageID: String?
    var sentAt: Date
    /// The To and Cc addresses.
    var recipients: [String]
    /// The subject without Re:/Fwd: prefixes, "(no subject)" when empty.
    var ask: String

    init(reading message: String, now: Date) throws {
        let (headers, messageID) = try ReceivedMail.headers(of: message)
        self.messageID = messageID
        sentAt = headers["date"].flatMap(MailHeaders.date(from:)) ?? now
        recipients = MailHeaders.addresses(in: (headers["to"] ?? "") + "," + (headers["cc"] ?? ""))
        let subject = headers.subject.replacingOccurrences(of: #"^((re|fwd?|tr)\s*:\s*)+"#, with: "",
                                                           options: [.regularExpression, .caseInsensitive])
        ask = subject.isEmpty ? "(no subject)" : String(subject.prefix(200))
    }

    /// Whether `contact` is among the recipients.
    func isTo(_ contact: Contact) -> Bool {
        contact.emails.contains { recipients.contains($0.lowercased()) }
    }
}

/// What `Ingest` answers for mail you sent, on either store.
extension SentMail {
    static let toNoContact = Ingest.Reply(outcome: "ignored", outreach: nil, contactName: nil,
                                          summary: "Sent to no contact of yours; nothing stored.")
    static let readBefore = IngestResult.alreadySeen.reply

    static func followUp(to contact: Contact, outreach: Int64, next: Date?, zone: TimeZone) -> Ingest.Reply {
        Ingest.Reply(outcome: "follow_up", outreach: outreach, contactName: contact.name,
                     summary: "Logged your follow-up to \(contact.name) (outreach #\(outreach)); "
                         + (next.map { "next \(HumanTime.moment($0, in: zone))." } ?? "no further nudge."))
    }

    static func outreachLogged(to contact: Contact, outreach: Int64, first: Date?, zone: TimeZone) -> Ingest.Reply {
        Ingest.Reply(outcome: "outreach", outreach: outreach, contactName: contact.name,
                     summary: "Logged outreach #\(outreach) to \(contact.name)"
                         + (first.map { "; first follow-up \(HumanTime.moment($0, in: zone))." } ?? "."))
    }

    /// The inbox text that offers to track this mail as outreach.
    func suggestion(to contact: Contact) -> String {
        "You wrote to \(contact.name) — \(ask); track it as outreach? (relancectl outreach log \(contact.id) --ask …)"
    }

    static func suggested(_ contact: Contact) -> Ingest.Reply {
        Ingest.Reply(outcome: "suggested", outreach: nil, contactName: contact.name,
                     summary: "You wrote to \(contact.name) with no outreach open: offered in the inbox.")
    }

    static func notTracked(_ contact: Contact) -> Ingest.Reply {
        Ingest.Reply(outcome: "ignored", outreach: nil, contactName: contact.name, summary: "Sent mail is not tracked ([mail_watch] sent = \"off\").")
    }
}

extension IngestResult {
    /// As `Ingest` answers it.
    var reply: Ingest.Reply {
        Ingest.Reply(outcome: outcome.rawValue, outreach: outreachID, contactName: contactName, summary: summary)
    }
}
