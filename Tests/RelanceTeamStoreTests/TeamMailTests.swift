import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Mail read on the team store (v17) on a real PostgreSQL 15: the personal store's
/// outcomes, with the team's contacts (the outreach a message answers may be any team
/// user's; its author is told) and one transaction per message. Two stores on one
/// database stand for two nodes.
@Suite(.serialized) struct TeamMailTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    var zone: TimeZone { rules.userZone }

    /// Lea's outreach to Ada (her contact), its first follow-up pending.
    func leasOutreachToAda(_ store: TeamStore) throws -> TeamOutreach {
        _ = try store.addContact(ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"]), owner: "lea", now: t0)
        return try store.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat", sentAt: t0,
                                     policy: .standard, rules: rules, messageID: "ask-1@lea.example").0
    }

    func reply(from sender: String, id: String, meaning: MailMeaning = MailMeaning.reply, thread: [String] = [],
               subject: String = "Re: coffee?") -> ReceivedMessage {
        ReceivedMessage(senders: [sender], thread: thread, messageID: id, subject: subject, meaning: meaning)
    }

    @Test func aReplyReadBySomeoneElseEndsTheOutreachAndTellsItsAuthorOnce() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let outreach = try leasOutreachToAda(a)
        // Read on another node, by another team user, from her address with a +tag
        let mark = Bookkeeping(key: "maildir:b:/home/sam/Maildir", value: "1764576000")
        let result = try b.ingestMail(reply(from: "ADA+news@example.com", id: "r1@example.com"), by: "sam", bookkeeping: mark,
                                      at: t0.addingTimeInterval(3600), rules: rules, zone: zone)
        #expect(result == .replied("Ada Lovelace", outreach: outreach.outreach.id, cancelled: 1))
        #expect(try a.outreach(id: outreach.outreach.id).outreach.status == .replied)
        #expect(try server.psql("SELECT state FROM reminder WHERE kind = 'follow_up'") == "cancelled\n")
        // The item is lea's (the outreach's author), not sam's who read it
        #expect(try server.psql("SELECT owner || ' ' || text FROM reminder WHERE reason = 'from your mail'")
                == "lea Ada Lovelace replied — Re: coffee?\n")
        #expect(try a.bookkeeping(mark.key) == mark.value)
        // The same message again changes nothing
        let before = try server.psql("SELECT count(*) FROM reminder") + server.psql("SELECT count(*) FROM interaction")
        #expect(try a.ingestMail(reply(from: "ada@example.com", id: "r1@example.com"), by: "lea", at: t0.addingTimeInterval(7200),
                                 rules: rules, zone: zone) == .alreadySeen)
        #expect(try server.psql("SELECT count(*) FROM reminder") + server.psql("SELECT count(*) FROM interaction") == before)
        a.close(); b.close()
    }

    @Test func aDisplayNameAloneNeverMatchesButTheThreadDoesFromAnyAddress() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let outreach = try leasOutreachToAda(a)
        #expect(try a.ingestMail(reply(from: "someone@else.example", id: "n1@example.com"), by: "lea", at: t0,
                                 rules: rules, zone: zone) == .ignored)
        #expect(try server.psql("SELECT count(*) FROM interaction WHERE note IS NOT NULL") == "0\n")
        let inThread = try a.ingestMail(reply(from: "assistant@office.example", id: "n2@example.com", thread: ["ask-1@lea.example"]),
                                        by: "lea", at: t0, rules: rules, zone: zone)
        #expect(inThread.outcome == .reply && inThread.outreachID == outreach.outreach.id)
        a.close()
    }

    @Test func aBounceMarksTheAddressAndAReplyFromItClearsTheMark() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let outreach = try leasOutreachToAda(a)
        var bounce = reply(from: "ADA@example.com", id: "b1@mx.example", meaning: MailMeaning.bounce, subject: "ada@example.com: 550 user unknown")
        bounce.bounceReason = "550 user unknown"
        #expect(try a.ingestMail(bounce, by: "lea", at: t0, rules: rules, zone: zone) == .bounced("Ada Lovelace", outreach: outreach.outreach.id))
        #expect(try a.outreach(id: outreach.outreach.id).outreach.status == .awaitingReply)
        let marked = try a.bouncingAddresses(contactID: outreach.outreach.contactID)
        #expect(marked.map(\.address) == ["ada@example.com"] && marked.map(\.reason) == ["550 user unknown"])
        #expect(try server.psql("SELECT text FROM reminder WHERE reason = 'from your mail'")
                == "Your mail to Ada Lovelace bounced — ada@example.com: 550 user unknown\n")
        _ = try a.ingestMail(reply(from: "ada@example.com", id: "r2@example.com"), by: "lea", at: t0, rules: rules, zone: zone)
        #expect(try a.bouncingAddresses(contactID: outreach.outreach.contactID).isEmpty)
        a.close()
    }

    @Test func anOutOfOfficeMovesTheNextNudgeAfterTheReturnDayAndTheSequenceGoesOn() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let outreach = try leasOutreachToAda(a)
        let nudge = try #require(a.upcoming(limit: 10).first { $0.kind == .followUp })
        var away = reply(from: "ada@example.com", id: "ooo@example.com", meaning: MailMeaning.autoReply, subject: "Out of office")
        away.returnDay = LocalDate(year: 2027, month: 1, day: 15)
        let result = try a.ingestMail(away, by: "lea", at: t0, rules: rules, zone: zone)
        #expect(result.outcome == .autoReply && result.summary.contains("the next nudge waits until"))
        let moved = try #require(a.upcoming(limit: 10).first { $0.kind == .followUp })
        #expect(moved.id == nudge.id && moved.fireAt > instant("2027-01-15T00:00:00Z"))
        #expect(try a.outreach(id: outreach.outreach.id).outreach.status == .awaitingReply)
        // A re-plan keeps it there (moved on purpose)
        _ = try a.replan(rules: rules, now: t0)
        #expect(try a.upcoming(limit: 10).first { $0.kind == .followUp }?.fireAt == moved.fireAt)
        a.close()
    }

    @Test func anOfferedMeetingIsAcceptedOnceByTheItemsOwnerOnly() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let outreach = try leasOutreachToAda(a)
        var offer = reply(from: "ada@example.com", id: "offer@example.com")
        offer.offer = OfferedMeeting(startsAt: instant("2026-12-10T09:00:00Z"), endsAt: instant("2026-12-10T09:45:00Z"),
                                     place: "Café Olimpico", uid: "coffee-42@example.com")
        #expect(try a.ingestMail(offer, by: "lea", at: t0, rules: rules, zone: zone).summary.contains("offers a meeting"))
        _ = try a.fireDue(expected: [], at: t0.addingTimeInterval(1), late: false, lateBefore: nil, rules: rules, channels: [])
        let item = try #require(a.inbox(viewer: "lea").first)
        #expect(item.text.contains("Café Olimpico"))
        #expect(throws: StoreError.self) { try a.acceptMeetingOffer(inboxItemID: item.id, by: "sam", rules: rules, now: t0) }
        let (meeting, accepted) = try a.acceptMeetingOffer(inboxItemID: item.id, by: "lea", rules: rules, now: t0)
        #expect(meeting.meeting.place == "Café Olimpico" && accepted.uid == "coffee-42@example.com")
        #expect(try a.outreach(id: outreach.outreach.id).outreach.status == .meetingAgreed)
        #expect(throws: StoreError.invalidState(what: "item", reason: "#\(item.id) was accepted already (meeting #\(meeting.meeting.id))")) {
            try a.acceptMeetingOffer(inboxItemID: item.id, by: "lea", rules: rules, now: t0)
        }
        #expect(try server.psql("SELECT count(*) FROM meeting") == "1\n")
        a.close()
    }
}
