import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Each team user's own inbox and zone on a real PostgreSQL 15 (team schema v10, issue
/// #16: "users, each with their own channels, zone, window and inbox"): a user sees their
/// items and the team's, and may not touch another's; the zone a user sets is known to
/// every node and plans the reminders they own.
@Suite(.serialized) struct TeamUserInboxAndZoneTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    /// Every row a refused change would touch, to show it touched none.
    func rows(_ server: PostgresServer) throws -> String {
        try server.psql("""
            SELECT 'i', id, state, coalesce(snoozed_until::text, '-') FROM inbox_item
            UNION ALL SELECT 'r', id, state, fire_at::text FROM reminder
            UNION ALL SELECT 'o', id, state, next_attempt_at::text FROM outbox
            ORDER BY 1, 2
            """)
    }

    @Test func eachUserSeesTheirItemsAndTheTeamsAndAnothersIsRefusedChangingNothing() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        _ = try a.addReminder(text: "lea's", dueAt: t0, owner: "lea")
        _ = try a.addReminder(text: "sam's", dueAt: t0, owner: "sam")
        _ = try a.addReminder(text: "team's", dueAt: t0)
        let fired = try a.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: ["desktop"]).items
        let item = { (text: String) in fired.first { $0.text == text }! }
        #expect(fired.map(\.owner).sorted { ($0 ?? "") < ($1 ?? "") } == [nil, "lea", "sam"])

        // On either node: theirs and the team's; everyone's for no team user.
        #expect(try b.inbox(viewer: "lea").map(\.text).sorted() == ["lea's", "team's"])
        #expect(try a.inbox(.unread, viewer: "sam").map(\.text).sorted() == ["sam's", "team's"])
        #expect(try b.inbox(viewer: "kim").map(\.text) == ["team's"])
        #expect(try b.inbox().count == 3)
        #expect(try b.unreadCount(viewer: "lea") == 2)
        #expect(try b.unreadCount() == 3)

        // lea may not touch sam's: refused, saying whose it is, and nothing changes (not
        // even her own item asked for with it).
        let before = try rows(server)
        let sams = item("sam's").id
        #expect(throws: StoreError.invalidState(what: "inbox", reason: "#\(sams) is sam's: only sam can mark it read; yours are in `relancectl inbox`")) {
            try b.markRead(ids: [item("lea's").id, sams], by: "lea")
        }
        #expect(throws: StoreError.invalidState(what: "inbox", reason: "#\(sams) is sam's: only sam can mark it done; yours are in `relancectl inbox`")) {
            try b.close(inboxID: sams, as: .done, by: "lea")
        }
        #expect(throws: StoreError.invalidState(what: "inbox", reason: "#\(sams) is sam's: only sam can dismiss it; yours are in `relancectl inbox`")) {
            try b.close(inboxID: sams, as: .dismissed, by: "lea")
        }
        #expect(throws: StoreError.invalidState(what: "inbox", reason: "#\(sams) is sam's: only sam can snooze it; yours are in `relancectl inbox`")) {
            try b.snooze(inboxID: sams, until: t0.addingTimeInterval(3600), now: t0, by: "lea")
        }
        #expect(try rows(server) == before)

        // Her own and the team's she may; sam his; no team user (root) anyone's.
        #expect(try b.markRead(ids: [item("lea's").id, item("team's").id], by: "lea").map(\.state) == [.read, .read])
        #expect(try a.close(inboxID: sams, as: .done, by: "sam").state == .done)
        #expect(try a.close(inboxID: item("lea's").id, as: .dismissed).state == .dismissed)
        #expect(try a.unreadCount(viewer: "lea") == 0)
        #expect(try a.inbox(.all, viewer: "sam").map(\.state).sorted { $0.rawValue < $1.rawValue } == [.done, .read])
        a.close(); b.close()
    }

    @Test func aSnoozedItemComesBackToItsOwnersInboxOnly() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addReminder(text: "lea's", dueAt: t0, owner: "lea")
        let item = try a.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: []).items[0]
        _ = try a.snooze(inboxID: item.id, until: t0.addingTimeInterval(60), now: t0, by: "lea")
        let back = try a.fireDue(expected: [], at: t0.addingTimeInterval(60), late: false, lateBefore: nil, rules: rules,
                                 channels: []).items
        #expect(back.map(\.id) == [item.id] && back.map(\.owner) == ["lea"])
        #expect(try a.inbox(viewer: "sam").isEmpty)
        #expect(try a.inbox(viewer: "lea").map(\.id) == [item.id])
        a.close()
    }

    @Test func aUsersZoneIsKnownToEveryNodeAndClearedBackToTheNodes() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        #expect(try a.setZone(of: "lea", to: "America/New_York", rules: rules, at: t0).0 == "America/New_York")
        #expect(try b.zone(of: "lea") == "America/New_York")
        #expect(try b.mail(of: "lea") == "lea@example.org")  // the address stays
        #expect(try b.zone(of: "sam") == nil)
        #expect(try b.setZone(of: "lea", to: nil, rules: rules, at: t0).0 == nil)
        #expect(try a.zone(of: "lea") == nil)
        #expect(try server.psql("SELECT name, coalesce(mail, '-'), coalesce(time_zone, '-'), updated_by FROM team_user")
                == "lea|lea@example.org|-|b\n")
        a.close(); b.close()
    }

    /// Two contacts in Tokyo, one lea's (who lives in New York), one sam's (no zone: the
    /// node's, Paris): their first nudges come due at 09:30 in Tokyo on 10 Dec (00:30 UTC),
    /// outside both owners' windows, and wait for each owner's own 09:00.
    @Test func aFollowUpWaitsForItsOwnersWindowInTheirZoneAndMovesWhenTheyChangeIt() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try a.setZone(of: "lea", to: "America/New_York", rules: rules, at: t0)
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace", timeZone: "Asia/Tokyo"), owner: "lea", now: t0)
        _ = try a.addContact(ContactDraft(name: "Grace Hopper", timeZone: "Asia/Tokyo"), owner: "sam", now: t0)
        // Logged by sam on node b for both: the owner's zone decides, not the author's.
        let (_, leas) = try b.logOutreach(contact: "ada", author: "sam", channel: "email", ask: "a coffee chat",
                                          sentAt: t0, policy: .standard, rules: rules)
        let (_, sams) = try b.logOutreach(contact: "grace", author: "sam", channel: "email", ask: "a talk",
                                          sentAt: t0, policy: .standard, rules: rules)
        #expect(leas?.dueAt == instant("2026-12-10T00:30:00Z") && leas?.fireAt == instant("2026-12-10T14:00:00Z"))
        #expect(sams?.dueAt == instant("2026-12-10T00:30:00Z") && sams?.fireAt == instant("2026-12-10T08:00:00Z"))
        // lea moves to Paris, on the other node: hers is re-planned in Paris with it, sam's stays.
        let (_, moved) = try b.setZone(of: "lea", to: "Europe/Paris", rules: rules, at: t0)
        #expect(moved.scheduled == [ScheduledReminder(id: leas!.id, due: instant("2026-12-10T08:00:00Z"))])
        #expect(try a.replan(rules: rules, now: t0).scheduled.isEmpty)  // a reload finds nothing more to move
        // Back to New York: the next step, planned by a firing, is planned in her zone too.
        let (_, back) = try a.setZone(of: "lea", to: "America/New_York", rules: rules, at: t0)
        #expect(back.scheduled == [ScheduledReminder(id: leas!.id, due: instant("2026-12-10T14:00:00Z"))])
        _ = try a.fireDue(expected: [], at: instant("2026-12-10T14:00:00Z"), late: false, lateBefore: nil, rules: rules,
                          channels: [])
        #expect(try server.psql("""
            SELECT c.owner, r.fire_at FROM reminder r JOIN contact c ON c.id = r.contact_id
            WHERE r.state = 'pending' ORDER BY c.owner
            """) == """
            lea|2026-12-24 14:00:00+00
            sam|2026-12-24 08:00:00+00

            """)
        a.close(); b.close()
    }

    /// lea hears of her reminders from 14:00 only; sam keeps the node's window (09:00-18:00).
    @Test func aUsersWindowDefersTheFollowUpsTheyOwnAndOffOrClearedPlansThemAgain() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let afternoons = UserWindow(hours: [ClockRange("14:00-18:00")!])
        #expect(try a.setWindow(of: "lea", to: afternoons, rules: rules, at: t0).0 == afternoons)
        #expect(try b.window(of: "lea") == afternoons)
        #expect(try b.preferences(of: "lea").window?.description == "mon, tue, wed, thu, fri 14:00-18:00")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace", timeZone: "Europe/Paris"), owner: "lea", now: t0)
        _ = try a.addContact(ContactDraft(name: "Grace Hopper", timeZone: "Europe/Paris"), owner: "sam", now: t0)
        let (_, leas) = try b.logOutreach(contact: "ada", author: "sam", channel: "email", ask: "a coffee chat",
                                          sentAt: t0, policy: .standard, rules: rules)
        let (_, sams) = try b.logOutreach(contact: "grace", author: "sam", channel: "email", ask: "a talk",
                                          sentAt: t0, policy: .standard, rules: rules)
        // Both due at 09:30 in Paris on 10 Dec; lea's waits for her 14:00.
        #expect(leas?.dueAt == instant("2026-12-10T08:30:00Z") && leas?.fireAt == instant("2026-12-10T13:00:00Z"))
        #expect(sams?.fireAt == instant("2026-12-10T08:30:00Z"))
        // Off: hers fires when it comes due; cleared: the node's window, 09:30 is inside it.
        let (off, moved) = try b.setWindow(of: "lea", to: UserWindow(isEnabled: false, days: [], hours: []), rules: rules, at: t0)
        #expect(off?.description == "off")
        #expect(moved.scheduled == [ScheduledReminder(id: leas!.id, due: instant("2026-12-10T08:30:00Z"))])
        #expect(try a.setWindow(of: "lea", to: nil, rules: rules, at: t0).1.scheduled.isEmpty)
        #expect(try a.window(of: "lea") == nil)
        a.close(); b.close()
    }

    @Test func aWindowIsReadAsTheConfigurationReadsItAndEachMistakeIsNamed() throws {
        let window = try UserWindow.parse(days: ["sunday", "Mon"], hours: ["14:00-18:00", "08:00-12:00"], off: false)
        #expect(window.description == "mon, sun 08:00-12:00 14:00-18:00")
        #expect(try UserWindow.parse(days: nil, hours: ["10:00-16:00"], off: false).days == UserWindow.weekdays)
        #expect(try UserWindow.parse(days: ["sat"], hours: nil, off: false).hours == UserWindow.officeHours)
        let mistakes: [([String]?, [String]?, Bool, ValidationError)] = [
            (["mon", "funday"], nil, false, ValidationError(field: "days", reason: "'funday' is not a day of the week (monday … sunday, or mon … sun)")),
            (["mon", "monday"], nil, false, ValidationError(field: "days", reason: "monday is listed twice: list each day once")),
            (nil, ["9-18"], false, ValidationError(field: "hours", reason: "'9-18' is not a range of hours like \"09:00-18:00\"")),
            (nil, ["09:00-13:00", "12:00-18:00"], false, ValidationError(field: "hours", reason: "09:00-13:00 and 12:00-18:00 overlap: give ranges apart")),
            (nil, [], false, ValidationError(field: "hours", reason: "give at least one range of hours, or off")),
            (nil, ["09:00-18:00"], true, ValidationError(field: "off", reason: "a window that is off has no days or hours: give off alone, or days and hours")),
            (nil, nil, false, ValidationError(field: "days", reason: "give days, hours, or both (or off)")),
        ]
        for (days, hours, off, error) in mistakes {
            #expect(throws: error) { try UserWindow.parse(days: days, hours: hours, off: off) }
        }
    }
}
