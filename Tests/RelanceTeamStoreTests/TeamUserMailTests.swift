import Foundation
import Logging
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Per-user mail on a real PostgreSQL 15 (team schema v5, issue #16: "delivery goes to
/// the owner's channels only"): the firing gives an owned reminder a mail job to its
/// owner's address, or none; an unowned one keeps one job per channel of the node.
@Suite(.serialized) struct TeamUserMailTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    /// Each job of the outbox: its reminder's text, channel and recipient ("-": none).
    func jobs(_ server: PostgresServer) throws -> String {
        try server.psql("""
            SELECT r.text, o.channel, coalesce(o.recipient, '-') FROM outbox o
            JOIN inbox_item i ON i.id = o.inbox_item_id JOIN reminder r ON r.id = i.reminder_id
            ORDER BY r.text, o.channel
            """)
    }

    @Test func anOwnedReminderIsMailedToItsOwnersAddressOnlyAndAnUnownedOneAsBefore() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        #expect(try a.setMail(of: "lea", to: "Lea Martin <lea@example.org>", at: t0) == "Lea Martin <lea@example.org>")
        // Set on one node, known to the other.
        #expect(try b.mail(of: "lea") == "Lea Martin <lea@example.org>")
        #expect(try b.mail(of: "sam") == nil)
        _ = try a.addReminder(text: "lea's", dueAt: t0, owner: "lea")
        _ = try a.addReminder(text: "sam's", dueAt: t0, owner: "sam")  // sam set no address
        _ = try a.addReminder(text: "team's", dueAt: t0)
        let fired = try b.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: ["desktop", "mail"])
        // Every reminder reaches the shared inbox; only the channels differ.
        #expect(fired.items.map(\.text).sorted() == ["lea's", "sam's", "team's"])
        #expect(try jobs(server) == """
            lea's|mail|Lea Martin <lea@example.org>
            team's|desktop|-
            team's|mail|-

            """)
        let claimed = try a.claimDueDeliveries(at: t0, channels: ["mail"], limit: 10)
        #expect(claimed.map(\.item.text).sorted() == ["lea's", "team's"])
        #expect(claimed.first { $0.item.text == "lea's" }?.recipient == "Lea Martin <lea@example.org>")
        #expect(claimed.first { $0.item.text == "team's" }?.recipient == nil)
        a.close(); b.close()
    }

    @Test func aQueuedJobKeepsItsAddressAndAClearedAddressMailsNothingMore() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        _ = try a.addReminder(text: "first", dueAt: t0, owner: "lea")
        _ = try a.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: ["mail"])
        try a.setMail(of: "lea", to: "lea@new.example.org", at: t0)
        _ = try a.addReminder(text: "second", dueAt: t0.addingTimeInterval(60), owner: "lea")
        // Fired by a node without [mail]: the job is queued all the same, for a node with one.
        _ = try a.fireDue(expected: [], at: t0.addingTimeInterval(60), late: false, lateBefore: nil, rules: rules, channels: [])
        #expect(try a.setMail(of: "lea", to: nil, at: t0) == nil)
        #expect(try a.mail(of: "lea") == nil)
        _ = try a.addReminder(text: "third", dueAt: t0.addingTimeInterval(120), owner: "lea")
        let third = try a.fireDue(expected: [], at: t0.addingTimeInterval(120), late: false, lateBefore: nil, rules: rules,
                                  channels: ["desktop", "mail"])
        #expect(third.items.map(\.text) == ["third"])  // in the inbox, mailed nowhere
        #expect(try jobs(server) == """
            first|mail|lea@example.org
            second|mail|lea@new.example.org

            """)
        #expect(try server.psql("SELECT name, coalesce(mail, '-'), updated_by FROM team_user") == "lea|-|a\n")
        a.close()
    }

    @Test func aFollowUpIsTheContactOwnersAndMailedToThem() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        try a.setMail(of: "sam", to: "sam@example.org", at: t0)
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace", timeZone: "Europe/London"), owner: "lea", now: t0)
        // sam writes to lea's contact: the nudges go to the contact's owner, lea.
        let (_, planned) = try a.logOutreach(contact: "ada", author: "sam", channel: "email", ask: "a coffee chat",
                                             sentAt: t0, policy: .standard, rules: rules)
        let first = try #require(planned)
        let fired = try a.fireDue(expected: [], at: first.fireAt, late: false, lateBefore: nil, rules: rules, channels: ["mail"])
        #expect(fired.items.map(\.reminderID) == [first.id])
        #expect(try server.psql("SELECT coalesce(recipient, '-') FROM outbox") == "lea@example.org\n")
        // The step that firing planned is lea's too.
        #expect(try server.psql("SELECT kind, coalesce(owner, '-') FROM reminder WHERE state = 'pending'") == "follow_up|lea\n")
        a.close()
    }
}
