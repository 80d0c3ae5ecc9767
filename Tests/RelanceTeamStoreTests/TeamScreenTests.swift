import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Each user's own screen (issue #16, v15): a reminder someone owns pops up only on a
/// node showing their screen; it waits while that screen is off, and is dropped, saying
/// why, once no node shows it any more.
@Suite(.serialized) struct TeamScreenTests {
    let t0 = instant("2026-12-01T08:00:00Z")
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    func desktopJobs(_ server: PostgresServer) throws -> String {
        try server.psql("""
            SELECT r.text, coalesce(o.recipient, '-'), o.state, coalesce(o.last_error, '-') FROM outbox o
            JOIN reminder r ON r.id = o.reminder_id WHERE o.channel = 'desktop' ORDER BY r.text
            """)
    }

    @Test func anOwnedReminderPopsUpOnlyOnItsOwnersScreenAndWaitsForIt() throws {
        let server = try PostgresServer()
        let leas = try server.node("leas-laptop"), shared = try server.node("shared"), plain = try server.node("plain")
        try leas.registerScreen(of: "lea", at: t0)
        _ = try plain.addReminder(text: "lea's", dueAt: t0, owner: "lea")
        _ = try plain.addReminder(text: "sam's", dueAt: t0, owner: "sam")  // nobody shows sam's screen
        _ = try plain.addReminder(text: "team's", dueAt: t0)
        // Fired by a node with no desktop at all: lea's screen still gets hers.
        _ = try plain.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: ["mail"])
        #expect(try desktopJobs(server) == "lea's|lea|pending|-\n")
        // A node with a desktop that is nobody's (or someone else's) does not take it.
        try shared.registerScreen(of: nil, at: t0)
        #expect(try shared.claimDueDeliveries(at: t0, channels: ["desktop"], limit: 10).isEmpty)
        #expect(try shared.nextDeliveryAttempt(channels: ["desktop"]) == nil)
        #expect(try leas.nextDeliveryAttempt(channels: ["desktop"]) == t0)
        let claimed = try leas.claimDueDeliveries(at: t0, channels: ["desktop"], limit: 10)
        #expect(claimed.map(\.item.text) == ["lea's"])
        #expect(claimed.first?.recipient == "lea")
        leas.close(); shared.close(); plain.close()
    }

    @Test func aScreenNoNodeShowsAnyMoreDropsWhatWaitsForItSayingWhy() throws {
        let server = try PostgresServer()
        let laptop = try server.node("laptop"), desk = try server.node("desk")
        try laptop.registerScreen(of: "lea", at: t0)
        try desk.registerScreen(of: "lea", at: t0)
        _ = try desk.addReminder(text: "first", dueAt: t0, owner: "lea")
        _ = try desk.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: [])
        // One of lea's two screens going away keeps the job: the other shows it.
        #expect(try laptop.registerScreen(of: nil, at: t0) == 0)
        #expect(try desktopJobs(server) == "first|lea|pending|-\n")
        // The last one: dropped, not pending for ever; and nothing new is queued for her.
        #expect(try desk.registerScreen(of: "sam", at: t0) == 1)
        #expect(try desktopJobs(server) == "first|lea|cancelled|no node shows lea's desktop notifications any more\n")
        _ = try desk.addReminder(text: "second", dueAt: t0, owner: "lea")
        _ = try desk.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: rules, channels: [])
        #expect(try server.psql("SELECT count(*) FROM outbox WHERE channel = 'desktop'") == "1\n")
        laptop.close(); desk.close()
    }
}
