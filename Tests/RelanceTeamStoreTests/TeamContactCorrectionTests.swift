import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Merging and forgetting team contacts on a real PostgreSQL 15 (issue #16), with the
/// personal store's meaning: a merge moves the whole history and leaves one keep-in-touch
/// reminder planned as the personal store plans it; forgetting leaves no row about the
/// person; only the owner of the contact that goes may, and a refusal changes nothing.
@Suite(.serialized) struct TeamContactCorrectionTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    let day: TimeInterval = 86_400

    /// Every row a merge or a forget touches, to show a refusal changed nothing.
    func rows(_ server: PostgresServer) throws -> String {
        try server.psql("""
            SELECT 'c', id, name || array_to_string(emails, ',') || coalesce(keep_in_touch, '') FROM contact
            UNION ALL SELECT 'o', id, contact_id::text FROM outreach
            UNION ALL SELECT 'n', id, contact_id::text FROM interaction
            UNION ALL SELECT 'r', id, coalesce(contact_id, 0) || state || fire_at FROM reminder
            UNION ALL SELECT 'i', id, state FROM inbox_item
            UNION ALL SELECT 'j', id, state FROM outbox
            ORDER BY 1, 2
            """)
    }

    func keepInTouch(_ team: TeamStore, _ personal: AppDatabase) throws -> (team: [String], personal: [String]) {
        func row(_ r: Reminder) -> String { "\(r.text) | \(r.dueAt) | \(r.fireAt) | \(r.reason)" }
        return (try team.upcoming(limit: 50).filter { $0.kind == .keepInTouch }.map(row),
                try personal.upcoming(limit: 50).filter { $0.kind == .keepInTouch }.map(row))
    }

    @Test func aMergeMovesTheHistoryAndLeavesOneKeepInTouchPlannedAsOnThePersonalStore() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let personal = try AppDatabase.inMemory()
        let ada = ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"], keepInTouch: .businessDays(20))
        let king = ContactDraft(name: "Ada King", emails: ["countess@example.com"], organization: "Analytical Engines",
                                timeZone: "Europe/London", keepInTouch: .businessDays(5))
        // Kept: sam's; merged away: lea's, with an outreach, a touch and a reminder of her own.
        let kept = try a.addContact(ada, owner: "sam", now: t0, rules: rules)
        let merged = try a.addContact(king, owner: "lea", now: t0 + day, rules: rules)
        let (ownKept, _) = try personal.addContact(ada, now: t0, rules: rules)
        let (ownMerged, _) = try personal.addContact(king, now: t0 + day, rules: rules)
        let (logged, _) = try a.logOutreach(contact: "king", author: "lea", channel: "email", ask: "her notes",
                                            sentAt: t0 + 2 * day, policy: .standard, rules: rules)
        _ = try personal.logOutreach(contactID: ownMerged.id, channel: "email", ask: "her notes", sentAt: t0 + 2 * day,
                                     policy: .standard, rules: rules)
        _ = try b.touchContact(id: merged.contact.id, at: t0 + 3 * day, note: nil, by: "lea", rules: rules)
        _ = try personal.touchContact(id: ownMerged.id, at: t0 + 3 * day, note: nil, rules: rules)
        _ = try a.addReminder(text: "Send Ada the paper", dueAt: t0 + 9 * day, contact: "king", owner: "lea")

        let (contact, gone, moved) = try b.mergeContacts(keptID: kept.contact.id, mergedID: merged.contact.id, by: "lea",
                                                         rules: rules, now: t0 + 4 * day)
        _ = try personal.mergeContacts(keptID: ownKept.id, mergedID: ownMerged.id, now: t0 + 4 * day, rules: rules)

        #expect(gone.name == "Ada King")
        #expect(contact.owner == "sam", "the kept contact keeps its owner")
        #expect(contact.contact.emails == ["ada@example.com", "countess@example.com"])
        #expect(contact.contact.timeZone == "Europe/London" && contact.contact.organization == "Analytical Engines")
        #expect(contact.contact.keepInTouch == .businessDays(20), "the kept contact's own fields win")
        #expect(moved.outreach == 1 && moved.interactions == 2 && moved.reminders >= 3, "\(moved)")
        #expect(try a.contacts().map(\.contact.name) == ["Ada Lovelace"])
        #expect(try a.outreach(id: logged.outreach.id).outreach.contactID == kept.contact.id)
        #expect(try server.psql("SELECT DISTINCT contact_id FROM interaction") == "\(kept.contact.id)\n")
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE state = 'pending' AND contact_id <> \(kept.contact.id)") == "0\n")
        // One keep-in-touch, counted from the merged contact's last touch, owned (and
        // planned) as the kept contact's owner's: as the personal store plans it.
        let (team, own) = try keepInTouch(a, personal)
        #expect(team.count == 1 && team == own)
        #expect(try server.psql("SELECT owner FROM reminder WHERE kind = 'keep_in_touch' AND state = 'pending'") == "sam\n")
        a.close(); b.close()
    }

    @Test func aMergeOrForgetByAnotherUserOrOfOneContactIntoItselfIsRefusedAndChangesNothing() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"]), owner: "lea", now: t0)
        let grace = try a.addContact(ContactDraft(name: "Grace Hopper"), owner: "sam", now: t0)
        _ = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "advice", sentAt: t0,
                              policy: .standard, rules: rules)
        let before = try rows(server)

        // Sam cannot merge lea's Ada away (into his Grace), nor forget her.
        #expect(throws: StoreError.invalidState(what: "from", reason: "Ada Lovelace is lea's: only their owner can merge them away; ask lea, or merge the other way round if Grace Hopper is yours")) {
            try a.mergeContacts(keptID: grace.contact.id, mergedID: ada.contact.id, by: "sam", rules: rules, now: t0)
        }
        #expect(throws: StoreError.invalidState(what: "contact", reason: "Ada Lovelace is lea's: only their owner can remove them; ask lea")) {
            try a.removeContact(id: ada.contact.id, by: "sam", force: true)
        }
        #expect(throws: StoreError.invalidState(what: "from", reason: "a contact cannot be merged into itself")) {
            try a.mergeContacts(keptID: ada.contact.id, mergedID: ada.contact.id, by: "lea", rules: rules, now: t0)
        }
        #expect(throws: StoreError.contactNotFound(query: "999")) {
            try a.mergeContacts(keptID: ada.contact.id, mergedID: 999, by: "lea", rules: rules, now: t0)
        }
        #expect(try rows(server) == before)

        // The other way round is lea's to do: her Ada merged into sam's Grace.
        _ = try a.mergeContacts(keptID: grace.contact.id, mergedID: ada.contact.id, by: "lea", rules: rules, now: t0)
        #expect(try a.contacts().map(\.owner) == ["sam"])
        a.close()
    }

    @Test func forgettingLeavesNoRowAboutThePersonOnAnyNodeAndSparesTheOthers() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace", keepInTouch: .businessDays(20)), owner: "lea", now: t0, rules: rules)
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        try a.setMail(of: "sam", to: "sam@example.org", at: t0)
        _ = try a.addContact(ContactDraft(name: "Grace Hopper"), owner: "sam", now: t0)
        _ = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "advice", sentAt: t0,
                              policy: .standard, rules: rules)
        _ = try b.touchContact(id: ada.contact.id, at: t0 + day, note: "met her", by: "sam", rules: rules)
        _ = try a.addReminder(text: "Call Ada", dueAt: t0 + day, contact: "ada", owner: "lea")
        _ = try a.addReminder(text: "Call Grace", dueAt: t0 + day, contact: "grace", owner: "sam")
        // Both fired into the inbox, each with a job waiting on the mail channel; Ada's snoozed.
        let items = try b.fireDue(expected: [], at: t0 + day, late: false, lateBefore: nil, rules: rules, channels: ["mail"]).items
        let adaItem = try #require(items.first { $0.text == "Call Ada" })
        _ = try a.snooze(inboxID: adaItem.id, until: t0 + 2 * day, now: t0 + day, by: "lea")

        let (removed, footprint) = try b.removeContact(id: ada.contact.id, by: "lea", force: true)
        #expect(removed.name == "Ada Lovelace")
        #expect(footprint.outreach == 1 && footprint.interactions == 2 && footprint.inboxItems == 1 && footprint.deliveries == 1)
        #expect(try server.psql("""
            SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM outreach), (SELECT count(*) FROM interaction),
                   (SELECT count(*) FROM reminder), (SELECT count(*) FROM inbox_item), (SELECT count(*) FROM outbox)
            """) == "1|0|0|1|1|1\n", "Grace's contact, reminder, item and job stay")
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE text LIKE '%Ada%'") == "0\n")
        #expect(try a.upcoming(limit: 50).map(\.text) == [])
        a.close(); b.close()
    }
}
