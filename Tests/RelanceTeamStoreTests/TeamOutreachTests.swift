import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Shared contacts and outreach on a real PostgreSQL 15 (team schema v4): two stores on
/// one database stand for two nodes.
@Suite(.serialized) struct TeamOutreachTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    @Test func aContactAddedOnOneNodeIsFoundOnAnotherWithItsOwner() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: " Ada Lovelace ", emails: ["ada@example.com"], timeZone: "Europe/London",
                                                details: ContactDetails(title: "Countess")), owner: "lea", now: t0)
        #expect(ada.contact.name == "Ada Lovelace")
        _ = try b.addContact(ContactDraft(name: "Grace Hopper"), owner: "sam", now: t0)
        let seen = try b.contacts()
        #expect(seen.map(\.contact.name) == ["Ada Lovelace", "Grace Hopper"])
        #expect(seen[0] == ada)  // every field round-trips, details and zone included
        #expect(try b.resolveContact("ada").owner == "lea")
        #expect(try b.resolveContact(String(ada.contact.id)).contact.id == ada.contact.id)
        #expect(throws: StoreError.contactNotFound(query: "Adda", suggestions: ["Ada Lovelace"])) { try b.resolveContact("Adda") }
        a.close(); b.close()
    }

    @Test func aDuplicateOrInvalidContactIsRefusedAndNothingIsWritten() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"]), owner: "lea", now: t0)
        #expect(throws: StoreError.duplicateContact(field: "emails", value: "ADA@example.com", existing: "Ada Lovelace (#1)")) {
            try a.addContact(ContactDraft(name: "A. Lovelace", emails: ["ADA@example.com"]), owner: "sam", now: t0)
        }
        #expect(throws: ValidationError.self) { try a.addContact(ContactDraft(name: "  "), owner: "sam", now: t0) }
        #expect(try server.psql("SELECT count(*) FROM contact") == "1\n")
        _ = try a.addContact(ContactDraft(name: "A. Lovelace", emails: ["ada@example.com"]), owner: "sam", now: t0, allowDuplicate: true)
        #expect(try server.psql("SELECT count(*) FROM contact") == "2\n")
        a.close()
    }

    @Test func loggingAnOutreachPlansItsFirstFollowUpByTheCoreRuleInTheSameTransaction() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let heard = NIOLockedValueBox<[ScheduleChanges]>([])
        b.observeReminders { changes in heard.withLockedValue { $0.append(changes) } }
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace", timeZone: "Europe/London"), owner: "lea", now: t0)
        let (logged, reminder) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat",
                                                   sentAt: t0, policy: .standard, rules: rules)
        #expect(logged.author == "lea" && logged.contactName == "Ada Lovelace" && logged.outreach.status == .awaitingReply)
        // The same reminder the personal store would plan: kind, text, due and fire times.
        let expected = try #require(FollowUpStep.plan(step: 0, outreach: logged.outreach, contact: ada.contact, anchor: t0, rules: rules))
        let followUp = try #require(reminder)
        #expect(followUp.kind == .followUp && followUp.text == expected.text && followUp.reason == expected.planned.reason)
        #expect(followUp.dueAt == expected.planned.dueAt && followUp.fireAt == expected.planned.fireAt)
        #expect(followUp.outreachID == logged.outreach.id && followUp.contactID == ada.contact.id)
        #expect(try b.upcoming(limit: 10) == [followUp])
        // The other node hears of it (LISTEN/NOTIFY) and fires it once.
        try waitUntil { heard.withLockedValue { $0.contains { $0.scheduled.map(\.id) == [followUp.id] } } }
        let firing = try b.fireDue(expected: [], at: followUp.fireAt, late: false, lateBefore: nil, rules: rules, channels: [])
        #expect(firing.items.map(\.reminderID) == [followUp.id])
        #expect(try a.fireDue(expected: [], at: followUp.fireAt, late: false, lateBefore: nil, rules: rules, channels: []).items.isEmpty)
        #expect(try b.outreaches(contactID: ada.contact.id).map(\.outreach.id) == [logged.outreach.id])
        a.close(); b.close()
    }

    @Test func anOpenOutreachByAnotherTeamUserRefusesTheSecondUnlessAnyway() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let (first, _) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat", sentAt: t0,
                                           policy: .standard, rules: rules)
        #expect(throws: AlreadyContacted(contact: "Ada Lovelace", by: "lea", sentAt: t0, status: .awaitingReply)) {
            try b.logOutreach(contact: "ada", author: "sam", channel: "email", ask: "an intro", sentAt: t0.addingTimeInterval(60),
                              policy: .standard, rules: rules)
        }
        // Refused: no outreach, no reminder.
        #expect(try server.psql("SELECT count(*) FROM outreach") == "1\n")
        #expect(try server.psql("SELECT count(*) FROM reminder") == "1\n")
        // The same person writing again is their own business; someone else, with anyway.
        _ = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a second ask", sentAt: t0.addingTimeInterval(120),
                              policy: .standard, rules: rules)
        let (anyway, reminder) = try b.logOutreach(contact: "ada", author: "sam", channel: "email", ask: "an intro",
                                                   sentAt: t0.addingTimeInterval(60), policy: .standard, rules: rules, anyway: true)
        #expect(anyway.author == "sam" && reminder != nil)
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "3\n")
        // Once it is answered, nobody is warned any more.
        _ = try a.recordReply(outreachID: first.outreach.id, outcome: .replied, at: t0)
        _ = try a.recordReply(outreachID: first.outreach.id + 1, outcome: .replied, at: t0)
        _ = try b.recordReply(outreachID: anyway.outreach.id, outcome: .declined, at: t0)
        _ = try b.logOutreach(contact: "ada", author: "max", channel: "email", ask: "a talk", sentAt: t0, policy: .standard, rules: rules)
        a.close(); b.close()
    }

    @Test func twoPeopleLoggingAtOnceOnTwoNodesAreTold() throws {
        let server = try PostgresServer()
        let nodes = [try server.node("a"), try server.node("b")]
        let names = (0..<20).map { "Person \($0)" }
        for name in names { _ = try nodes[0].addContact(ContactDraft(name: name), owner: "lea", now: t0) }
        let outcomes = NIOLockedValueBox<[String: [String]]>([:])
        // lea on one node and sam on the other write to the same twenty people at once:
        // the contact's row lock serialises them, so for each person one is logged and the
        // other is told.
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let author = ["lea", "sam"][index]
            for name in names {
                let outcome: String
                do {
                    _ = try nodes[index].logOutreach(contact: name, author: author, channel: "email", ask: "x", sentAt: t0,
                                                     policy: .standard, rules: rules)
                    outcome = "logged"
                } catch let refused as AlreadyContacted {
                    outcome = refused.by == author ? "wrong" : "told"
                } catch {
                    outcome = "\(error)"
                }
                outcomes.withLockedValue { $0[name, default: []].append(outcome) }
            }
        }
        for name in names { #expect(outcomes.withLockedValue { $0[name]?.sorted() } == ["logged", "told"], "\(name)") }
        #expect(try server.psql("SELECT count(*), count(DISTINCT contact_id) FROM outreach") == "20|20\n")
        #expect(try server.psql("SELECT count(*) FROM reminder") == "20\n")
        nodes.forEach { $0.close() }
    }

    @Test func anOutreachWhoseReminderCannotBeWrittenIsNotLoggedEither() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        // The engine refuses the reminder row: the outreach inserted before it goes too.
        try server.psql("ALTER TABLE reminder ADD CONSTRAINT no_follow_ups CHECK (kind <> 'follow_up')")
        #expect(throws: (any Error).self) {
            try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "x", sentAt: t0, policy: .standard, rules: rules)
        }
        #expect(try server.psql("SELECT count(*) FROM outreach") == "0\n")
        try server.psql("ALTER TABLE reminder DROP CONSTRAINT no_follow_ups")
        _ = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "x", sentAt: t0, policy: .standard, rules: rules)
        #expect(try server.psql("SELECT count(*) FROM outreach") == "1\n")
        a.close()
    }

    @Test func recordingAReplyCancelsItsPendingFollowUpsOnly() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        _ = try a.addContact(ContactDraft(name: "Grace Hopper"), owner: "lea", now: t0)
        let (ada, adaReminder) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "x", sentAt: t0,
                                                   policy: .standard, rules: rules)
        let (_, graceReminder) = try a.logOutreach(contact: "grace", author: "lea", channel: "email", ask: "y", sentAt: t0,
                                                   policy: .standard, rules: rules)
        let (replied, cancelled, _, _) = try a.recordReply(outreachID: ada.outreach.id, outcome: .replied, at: t0.addingTimeInterval(3600))
        #expect(replied.outreach.status == .replied && replied.outreach.closedAt == t0.addingTimeInterval(3600))
        #expect(cancelled == [adaReminder!.id])
        #expect(try a.upcoming(limit: 10).map(\.id) == [graceReminder!.id])
        #expect(throws: StoreError.outreachNotFound(id: 99)) { try a.recordReply(outreachID: 99, outcome: .replied, at: t0) }
        // Not kept yet, so refused rather than silently dropped; nothing changed.
        #expect(throws: ValidationError.self) { try a.recordReply(outreachID: ada.outreach.id, outcome: .autoReply, at: t0) }
        #expect(try a.outreaches(status: .awaitingReply).map(\.contactName) == ["Grace Hopper"])
        a.close()
    }

    @Test func aReminderSetForAContactIsTiedToItAndAnUnknownContactWritesNothing() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let (reminder, _) = try b.addReminder(text: "Ask Ada about the talk", dueAt: t0.addingTimeInterval(3600), contact: "ada")
        #expect(reminder.contactID == ada.contact.id && reminder.kind == .custom)
        #expect(try a.upcoming(limit: 10) == [reminder])
        #expect(throws: StoreError.contactNotFound(query: "grace")) {
            try b.addReminder(text: "x", dueAt: t0, contact: "grace")
        }
        #expect(try server.psql("SELECT count(*) FROM reminder") == "1\n")
        a.close(); b.close()
    }

    @Test func aBadOutreachIsRefusedBeforeAnythingIsWritten() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        #expect(throws: ValidationError.self) {
            try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: " ", sentAt: t0, policy: .standard, rules: rules)
        }
        #expect(throws: StoreError.contactNotFound(query: "nobody")) {
            try a.logOutreach(contact: "nobody", author: "lea", channel: "email", ask: "x", sentAt: t0, policy: .standard, rules: rules)
        }
        #expect(try server.psql("SELECT count(*) FROM outreach") == "0\n")
        #expect(try server.psql("SELECT count(*) FROM reminder") == "0\n")
        a.close()
    }
}
