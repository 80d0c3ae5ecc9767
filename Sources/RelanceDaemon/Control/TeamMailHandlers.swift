import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore

// Mail read by a team node (`Ingest`), as the calling team user: the message is read as
// the personal daemon reads it (`ReceivedMail`, `SentMail`), and recorded in the team
// store (`TeamStore.ingestMail`): contacts are the team's, so the outreach a reply
// answers may be anyone's, and its author is told.

extension TeamControlService {
    /// Registers Ingest and AcceptMeeting.
    static func registerMailHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(Ingest.self, readOnly: false) { call, p in
            try call.service.ingest(p, by: try call.teamUser(), rules: try call.rules())
        }
        handlers.register(AcceptMeeting.self, readOnly: false) { call, p in
            try call.service.acceptMeeting(p, by: try call.teamUser(), rules: try call.rules())
        }
    }

    /// `user` accepts the meeting their inbox item offers: theirs, with its reminders; the
    /// answer stays theirs to send, signed with the node's `[user]` name as on a personal
    /// daemon, the attendee their delivery address (`SetMyMail`) when they set one.
    private func acceptMeeting(_ p: AcceptMeeting.Parameters, by user: String, rules callerRules: TimingRules) throws -> AcceptMeeting.Reply {
        let now = clock.now()
        let (meeting, offer) = try store.acceptMeetingOffer(inboxItemID: p.item, by: user, rules: rules(), now: now)
        let contact = try store.resolveContact(String(meeting.meeting.contactID)).contact
        let (draft, reply) = ControlService.acceptance(of: offer, to: contact, now: now, zone: callerRules.userZone,
                                                       signedBy: configuration().userName,
                                                       attendee: try store.mail(of: user) ?? configuration().userEmail)
        logger.info("\(user) accepted the meeting offered by \(contact.name)", metadata: ["contact_id": "\(contact.id)"])
        return AcceptMeeting.Reply(meeting: meeting.info, draft: draft, calendarReply: reply, timeZone: callerRules.userZone.identifier)
    }

    /// A message `user` received or (`sent`) sent. Also the write path of this node's
    /// Maildir watcher, with its watermark (`bookkeeping`) in the message's transaction
    /// when it is a received one.
    func ingest(_ p: Ingest.Parameters, by user: String, rules callerRules: TimingRules,
                bookkeeping: Bookkeeping? = nil) throws -> Ingest.Reply {
        let now = clock.now()
        if p.sent == true {
            let reply = try ingestSent(try SentMail(reading: p.message, now: now), by: user, rules: callerRules)
            if let bookkeeping { try store.setBookkeeping(bookkeeping.key, bookkeeping.value) }
            return reply
        }
        let mail = try ReceivedMail(reading: p.message, now: now, zone: callerRules.userZone)
        let result = try store.ingestMail(
            ReceivedMessage(senders: mail.senders, thread: mail.thread, messageID: mail.messageID, subject: mail.subject,
                            meaning: mail.meaning, returnDay: mail.returnDay, offer: mail.offer, bounceReason: mail.bounceReason),
            by: user, bookkeeping: bookkeeping, at: now, rules: rules(), zone: callerRules.userZone)
        if result.outcome != .ignored {
            logger.info("\(user)'s mail read: \(result.summary)", metadata: ["outreach_id": "\(result.outreachID.map(String.init) ?? "")"])
        }
        return result.reply
    }

    /// A mail `user` sent: a follow-up to their outreach awaiting a reply from that
    /// contact, or a new ask per `[mail_watch] sent` (log, suggest, off), as theirs.
    private func ingestSent(_ mail: SentMail, by user: String, rules callerRules: TimingRules) throws -> Ingest.Reply {
        let now = clock.now()
        guard let contact = try store.contacts().map(\.contact).first(where: mail.isTo) else { return SentMail.toNoContact }
        if let messageID = mail.messageID, try store.mailAlreadyIngested(messageID: messageID) { return SentMail.readBefore }
        let zone = callerRules.userZone
        // Their own thread: a teammate's outreach to the same person is theirs to follow up.
        if let open = try store.outreaches(contactID: contact.id, status: .awaitingReply).first(where: { $0.author == user }) {
            let (outreach, next) = try store.logFollowUp(outreachID: open.outreach.id, by: user, at: mail.sentAt,
                                                         note: mail.messageID.map { "mail " + $0 }, rules: rules())
            return SentMail.followUp(to: contact, outreach: outreach.outreach.id, next: next?.fireAt, zone: zone)
        }
        switch configuration().sentMail {
        case .log:
            let (logged, first) = try store.logOutreach(contact: String(contact.id), author: user, channel: "email", ask: mail.ask,
                                                        sentAt: mail.sentAt, policy: callerRules.followUp, rules: rules(),
                                                        messageID: mail.messageID)
            return SentMail.outreachLogged(to: contact, outreach: logged.outreach.id, first: first?.fireAt, zone: zone)
        case .suggest:
            _ = try store.addReminder(text: mail.suggestion(to: contact), dueAt: now, contact: String(contact.id), owner: user)
            return SentMail.suggested(contact)
        case .off:
            return SentMail.notTracked(contact)
        }
    }
}
