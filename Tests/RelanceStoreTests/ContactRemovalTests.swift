import Foundation
import GRDB
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

/// RemoveContact, ForgetContact, MergeContacts and the duplicate refusal, on a real
/// in-memory database.
@Suite struct ContactRemovalTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    let now = instant("2026-11-12T09:00:00Z")
    var rules: TimingRules { TimingRules(userZone: paris) }

    /// Ada with an open outreach, a meeting, a keep-in-touch cadence and a fired reminder
    /// in the inbox (delivered to two channels); Grace with an outreach of her own.
    func populated() throws -> (AppDatabase, ada: Contact, grace: Contact) {
        let db = try AppDatabase.inMemory()
        let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"],
                                                      handles: ["linkedin": "https://www.linkedin.com/in/ada"],
                                                      keepInTouch: .businessDays(60)), now: now, rules: rules)
        let (grace, _) = try db.addContact(ContactDraft(name: "Grace Hopper", emails: ["grace@example.com"]), now: now, rules: rules)
        _ = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: now, policy: .standard, rules: rules)
        let (replied, _, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "coffee", sentAt: now, policy: .standard, rules: rules)
        _ = try db.recordReply(outreachID: replied.id, outcome: .meeting, at: now,
                               meeting: MeetingDraft(contactID: ada.id, startsAt: now.addingTimeInterval(86_400 * 3), place: "Café"),
                               rules: rules, now: now)
        _ = try db.logOutreach(contactID: grace.id, channel: "email", ask: "a talk", sentAt: now, policy: .standard, rules: rules)
        let (reminder, _) = try db.addReminder(text: "Call Ada", dueAt: now, contactID: ada.id)
        _ = try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: now)], at: now, late: false, rules: rules,
                           channels: ["desktop", "mail"])
        return (db, ada, grace)
    }

    func count(_ db: AppDatabase, _ sql: String) throws -> Int {
        try db.writer.read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }

    @Test func removeRefusesWhileAnOutreachAwaitsAReplyAndChangesNothing() throws {
        let (db, ada, _) = try populated()
        let before = try db.snapshot(createdAt: now)
        #expect(throws: StoreError.openOutreach(contact: "Ada Lovelace", ids: [1])) { try db.removeContact(id: ada.id, force: false) }
        #expect(try db.snapshot(createdAt: now) == before)
    }

    @Test func forcedRemoveTakesEverythingAboutTheContactAndNothingElse() throws {
        let (db, ada, grace) = try populated()
        let (removed, footprint) = try db.removeContact(id: ada.id, force: true)
        #expect(removed.name == "Ada Lovelace")
        #expect(footprint.outreach == 2 && footprint.meetings == 1 && footprint.inboxItems == 1 && footprint.deliveries == 2)
        #expect(footprint.interactions > 0 && footprint.reminders > 0)
        #expect(try db.contacts().map(\.id) == [grace.id])
        // Nothing left pointing at Ada, nothing unlinked (ON DELETE SET NULL would leave orphans).
        for table in ["outreach", "interaction", "meeting", "reminder", "inboxItem"] {
            #expect(try count(db, "SELECT COUNT(*) FROM \(table) WHERE contactId = \(ada.id)") == 0, "\(table)")
        }
        #expect(try count(db, "SELECT COUNT(*) FROM reminder WHERE contactId IS NULL AND eventId IS NULL") == 0)
        #expect(try count(db, "SELECT COUNT(*) FROM inboxItem") == 0)
        #expect(try count(db, "SELECT COUNT(*) FROM delivery") == 0)
        // Grace keeps her outreach and its follow-up.
        #expect(try db.outreaches(contactID: grace.id).count == 1)
        #expect(try count(db, "SELECT COUNT(*) FROM reminder WHERE contactId = \(grace.id) AND state = 'pending'") == 1)
        try db.writer.read { try $0.checkForeignKeys() }
    }

    @Test func removeWithoutOpenOutreachNeedsNoForce() throws {
        let (db, _, _) = try populated()
        let (lin, _) = try db.addContact(ContactDraft(name: "Lin Qiao"), now: now, rules: rules)
        let (_, footprint) = try db.removeContact(id: lin.id, force: false)
        #expect(footprint == ContactFootprint())
        #expect(throws: StoreError.contactNotFound(query: String(lin.id))) { try db.removeContact(id: lin.id, force: true) }
    }

    @Test func addRefusesAnEmailOrProfileURLAnotherContactHas() throws {
        let (db, _, _) = try populated()
        #expect(throws: StoreError.duplicateContact(field: "emails", value: "ADA@example.com", existing: "Ada Lovelace (#1)")) {
            try db.addContact(ContactDraft(name: "A. Lovelace", emails: ["ADA@example.com"]), now: now)
        }
        #expect(throws: StoreError.duplicateContact(field: "handles.linkedin", value: "http://linkedin.com/in/ada/",
                                                     existing: "Ada Lovelace (#1)")) {
            try db.addContact(ContactDraft(name: "Augusta", handles: ["linkedin": "http://linkedin.com/in/ada/"]), now: now)
        }
        // A handle that is not a URL, and a namesake without shared addresses, are not duplicates.
        _ = try db.addContact(ContactDraft(name: "Ada Lovelace", handles: ["mastodon": "@ada@example.social"]), now: now)
        let (again, _) = try db.addContact(ContactDraft(name: "Ada L.", emails: ["ada@example.com"]), now: now, allowDuplicate: true)
        #expect(again.emails == ["ada@example.com"])
    }

    @Test func mergeKeepsBothHistoriesUnderTheKeptContact() throws {
        let (db, ada, _) = try populated()
        let (ada2, _) = try db.addContact(ContactDraft(name: "Ada King", emails: ["countess@example.com", "ADA@example.com"],
                                                       handles: ["linkedin": "https://linkedin.com/in/other", "github": "ada"],
                                                       organization: "Analytical Engines", timeZone: "Europe/London",
                                                       keepInTouch: .businessDays(30)),
                                          now: now.addingTimeInterval(-86_400), rules: rules, allowDuplicate: true)
        _ = try db.logOutreach(contactID: ada2.id, channel: "email", ask: "notes", sentAt: now, policy: .standard, rules: rules)
        let (merged, moved, from) = try db.mergeContacts(keptID: ada.id, mergedID: ada2.id, now: now, rules: rules)
        #expect(from.name == "Ada King")
        #expect(moved.outreach == 1)
        #expect(merged.name == "Ada Lovelace")
        #expect(merged.emails == ["ada@example.com", "countess@example.com"])
        #expect(merged.handles == ["linkedin": "https://www.linkedin.com/in/ada", "github": "ada"])
        #expect(merged.organization == "Analytical Engines" && merged.timeZone == "Europe/London")
        #expect(merged.keepInTouch == .businessDays(60))
        #expect(merged.createdAt == now.addingTimeInterval(-86_400))
        #expect(try db.contacts().map(\.name) == ["Ada Lovelace", "Grace Hopper"])
        #expect(try db.outreaches(contactID: ada.id).count == 3)
        // One keep-in-touch reminder, the kept contact's, and nothing points at the merged one.
        #expect(try count(db, "SELECT COUNT(*) FROM reminder WHERE kind = 'keep_in_touch' AND state = 'pending'") == 1)
        for table in ["outreach", "interaction", "meeting", "reminder", "inboxItem"] {
            #expect(try count(db, "SELECT COUNT(*) FROM \(table) WHERE contactId = \(ada2.id)") == 0, "\(table)")
        }
        #expect(throws: StoreError.self) { try db.mergeContacts(keptID: ada.id, mergedID: ada.id, now: now, rules: rules) }
    }
}
