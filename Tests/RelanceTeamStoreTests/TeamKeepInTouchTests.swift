import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Keep-in-touch cadences on a real PostgreSQL 15 (team schema v12): the same reminder
/// as the personal store's at every turn (added, touched, written to, met, fired,
/// re-planned), owned as the contact's owner's.
@Suite(.serialized) struct TeamKeepInTouchTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    let day: TimeInterval = 86_400

    /// The pending keep-in-touch reminder of each store: (text, due, fire, reason).
    func pending(_ team: TeamStore, _ personal: AppDatabase) throws -> (team: [String], personal: [String]) {
        func row(_ r: Reminder) -> String { "\(r.text) | \(r.dueAt) | \(r.fireAt) | \(r.reason)" }
        return (try team.upcoming(limit: 50).filter { $0.kind == .keepInTouch }.map(row),
                try personal.upcoming(limit: 50).filter { $0.kind == .keepInTouch }.map(row))
    }

    @Test func theCadenceIsPlannedMovedFiredAndReplannedAsOnThePersonalStore() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let personal = try AppDatabase.inMemory()
        let draft = ContactDraft(name: "Ada Lovelace", keepInTouch: .businessDays(20))
        let ada = try a.addContact(draft, owner: "lea", now: t0, rules: rules)
        let (mine, _) = try personal.addContact(draft, now: t0, rules: rules)
        #expect(ada.contact.keepInTouch == .businessDays(20))
        var (team, own) = try pending(b, personal)
        #expect(team.count == 1 && team == own)
        #expect(try server.psql("SELECT owner, kind FROM reminder WHERE state = 'pending'") == "lea|keep_in_touch\n")

        // Touched ten days later: counted from then, on both.
        _ = try b.touchContact(id: ada.contact.id, at: t0 + 10 * day, note: "met at the meetup", by: "sam", rules: rules)
        _ = try personal.touchContact(id: mine.id, at: t0 + 10 * day, note: "met at the meetup", rules: rules)
        (team, own) = try pending(a, personal)
        #expect(team.count == 1 && team == own)

        // An outreach, a follow-up, a reply and a meeting each count as being in touch.
        let (logged, _) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "advice",
                                            sentAt: t0 + 12 * day, policy: .standard, rules: rules)
        let (personalLogged, _, _) = try personal.logOutreach(contactID: mine.id, channel: "email", ask: "advice",
                                                              sentAt: t0 + 12 * day, policy: .standard, rules: rules)
        (team, own) = try pending(a, personal)
        #expect(team.count == 1 && team == own)
        _ = try a.logFollowUp(outreachID: logged.outreach.id, by: "lea", at: t0 + 15 * day, note: nil, rules: rules)
        _ = try personal.logFollowUp(outreachID: personalLogged.id, at: t0 + 15 * day, note: nil, rules: rules)
        (team, own) = try pending(a, personal)
        #expect(team.count == 1 && team == own)
        _ = try b.recordReply(outreachID: logged.outreach.id, outcome: .replied, at: t0 + 16 * day, by: "sam", rules: rules)
        _ = try personal.recordReply(outreachID: personalLogged.id, outcome: .replied, at: t0 + 16 * day, rules: rules, now: t0 + 16 * day)
        (team, own) = try pending(a, personal)
        #expect(team.count == 1 && team == own)
        #expect(try server.psql("SELECT kind, coalesce(by_user, '-') FROM interaction ORDER BY at") == """
            touch|sam
            outreach|lea
            follow_up|lea
            reply|sam

            """)

        // Fired once by whichever node claims it; the next one a cadence after its due time.
        let due = try #require(try a.upcoming(limit: 50).first { $0.kind == .keepInTouch })
        let firing = try b.fireDue(expected: [], at: due.fireAt, late: false, lateBefore: nil, rules: rules, channels: [])
        _ = try personal.fireDue(at: due.fireAt, late: false, rules: rules)
        #expect(firing.items.map(\.kind) == [.keepInTouch])
        #expect(try a.fireDue(expected: [], at: due.fireAt, late: false, lateBefore: nil, rules: rules, channels: []).items.isEmpty)
        (team, own) = try pending(a, personal)
        #expect(team.count == 1 && team == own)
        let next = try #require(try a.upcoming(limit: 50).first { $0.kind == .keepInTouch })
        #expect(next.fireAt == Planner.keepInTouch(lastInteraction: due.dueAt, cadence: .businessDays(20), rules: rules).fireAt)

        // New rules re-plan it; "never" drops it.
        var later = rules
        later.politeTime = LocalTimeOfDay(hour: 14)
        #expect(try a.replan(rules: later, now: t0).scheduled.map(\.id) == [next.id])
        _ = try personal.replan(rules: later, now: t0)
        (team, own) = try pending(a, personal)
        #expect(team.count == 1 && team == own)
        _ = try b.updateContact(id: ada.contact.id, ContactPatch(keepInTouch: .some(nil)), rules: later, now: t0)
        #expect(try a.upcoming(limit: 50).filter { $0.kind == .keepInTouch }.isEmpty)
        #expect(try a.resolveContact("ada").contact.keepInTouch == nil)
        a.close(); b.close()
    }

    /// lea lives in New York: her contact's reminder is counted and windowed there, and
    /// moves back to the node's zone when she clears hers.
    @Test func theReminderIsPlannedInItsOwnersZone() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let newYork = rules.read(in: TimeZone(identifier: "America/New_York")!)
        try a.setZone(of: "lea", to: "America/New_York", rules: rules, at: t0)
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace", keepInTouch: .businessDays(20)), owner: "lea", now: t0, rules: rules)
        let planned = try #require(try a.upcoming(limit: 10).first { $0.kind == .keepInTouch })
        #expect(planned.fireAt == Planner.keepInTouch(lastInteraction: t0, cadence: .businessDays(20), rules: newYork).fireAt)
        #expect(planned.fireAt != Planner.keepInTouch(lastInteraction: t0, cadence: .businessDays(20), rules: rules).fireAt)
        let (_, moved) = try a.setZone(of: "lea", to: nil, rules: rules, at: t0)
        #expect(moved.scheduled == [ScheduledReminder(id: planned.id,
                                                      due: Planner.keepInTouch(lastInteraction: t0, cadence: .businessDays(20), rules: rules).fireAt)])
        a.close()
    }

    @Test func aBadNoteOrAnUnknownContactChangesNothing() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace", keepInTouch: .businessDays(20)), owner: "lea", now: t0, rules: rules)
        let before = try a.upcoming(limit: 10)
        #expect(throws: ValidationError.self) {
            try a.touchContact(id: ada.contact.id, at: t0 + day, note: "two\nlines", by: "lea", rules: rules)
        }
        #expect(throws: StoreError.contactNotFound(query: "99")) {
            try a.touchContact(id: 99, at: t0 + day, note: nil, by: "lea", rules: rules)
        }
        #expect(try a.upcoming(limit: 10) == before)
        #expect(try server.psql("SELECT count(*) FROM interaction") == "0\n")
        a.close()
    }
}
