import Foundation
import Logging
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Meetings on a real PostgreSQL 15 (team schema v5): the personal store's meetings, same
/// checks and same reminders, kept by the one who goes. Two stores on one database stand
/// for two nodes.
@Suite(.serialized) struct TeamMeetingTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    /// The reminders the personal store plans for the same meeting, as (kind, text, due, fire).
    func personalPlan(_ draft: MeetingDraft, contact: ContactDraft) throws -> [[String]] {
        let personal = try AppDatabase.inMemory()
        let (added, _) = try personal.addContact(contact, now: t0)
        var mine = draft
        mine.contactID = added.id
        mine.outreachID = nil
        _ = try personal.addMeeting(mine, rules: rules, now: t0)
        return try personal.upcoming(limit: 10).map(Self.row)
    }

    static func row(_ reminder: Reminder) -> [String] {
        [reminder.kind.rawValue, reminder.text, "\(reminder.dueAt)", "\(reminder.fireAt)"]
    }

    @Test func aMeetingPlansThePersonalStoresRemindersAndEveryNodeSeesWhoGoes() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let adaDraft = ContactDraft(name: "Ada Lovelace", timeZone: "Europe/London")
        let ada = try a.addContact(adaDraft, owner: "lea", now: t0)
        let draft = MeetingDraft(contactID: ada.contact.id, startsAt: instant("2026-12-03T14:00:00Z"),
                                 duration: ISODuration(minutes: 45), place: " Café Olimpico ", notes: "bring the deck")
        let (added, reminders) = try a.addMeeting(draft, by: "lea", rules: rules, now: t0)
        #expect(added.by == "lea" && added.contactName == "Ada Lovelace" && added.meeting.place == "Café Olimpico")
        #expect(added.meeting.endsAt == instant("2026-12-03T14:45:00Z"))
        #expect(reminders.map(Self.row) == (try personalPlan(draft, contact: adaDraft)))
        #expect(reminders.map(\.kind) == [.meetingPrep, .meetingLeave, .thankYou])
        #expect(try server.psql("SELECT DISTINCT owner FROM reminder") == "lea\n")  // mailed to who goes
        #expect(try b.meetings(from: t0) == [added])
        #expect(try b.upcoming(limit: 10).map(\.id) == reminders.map(\.id))
        // Fired once, by whichever node claims it.
        let first = reminders[0]
        let fired = try b.fireDue(expected: [], at: first.fireAt, late: false, lateBefore: nil, rules: rules, channels: [])
        #expect(fired.items.map(\.reminderID) == [first.id])
        #expect(try a.fireDue(expected: [], at: first.fireAt, late: false, lateBefore: nil, rules: rules, channels: []).items.isEmpty)
        a.close(); b.close()
    }

    @Test func theSameMeetingTwiceOrABadOneIsRefusedAndNothingIsWritten() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let draft = MeetingDraft(contactID: ada.contact.id, startsAt: instant("2026-12-03T14:00:00Z"), place: "Café Olimpico")
        let (first, _) = try a.addMeeting(draft, by: "lea", rules: rules, now: t0)
        #expect(throws: StoreError.duplicateMeeting(id: first.meeting.id, startsAt: draft.startsAt)) {
            try b.addMeeting(draft, by: "sam", rules: rules, now: t0)
        }
        var nowhere = draft
        nowhere.place = "  "
        #expect(throws: ValidationError(field: "place", reason: "say where, e.g. \"Café Olimpico\"")) {
            try b.addMeeting(nowhere, by: "sam", rules: rules, now: t0)
        }
        var noLength = draft
        noLength.duration = ISODuration()
        #expect(throws: ValidationError(field: "duration", reason: "must be longer than zero")) {
            try b.addMeeting(noLength, by: "sam", rules: rules, now: t0)
        }
        var unknownOutreach = draft
        unknownOutreach.outreachID = 99
        unknownOutreach.startsAt = instant("2026-12-04T14:00:00Z")
        #expect(throws: StoreError.outreachNotFound(id: 99)) { try b.addMeeting(unknownOutreach, by: "sam", rules: rules, now: t0) }
        #expect(try server.psql("SELECT count(*) FROM meeting") == "1\n")
        #expect(try server.psql("SELECT count(*) FROM reminder") == "3\n")
        // Two meetings at one start, on purpose.
        _ = try b.addMeeting(draft, by: "sam", force: true, rules: rules, now: t0)
        #expect(try server.psql("SELECT count(*) FROM meeting") == "2\n")
        a.close(); b.close()
    }

    @Test func onlyWhoGoesMovesOrCancelsAndAMoveReplansThePendingReminders() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let draft = MeetingDraft(contactID: ada.contact.id, startsAt: instant("2026-12-03T14:00:00Z"), place: "Café Olimpico")
        let (added, planned) = try a.addMeeting(draft, by: "lea", rules: rules, now: t0)
        let id = added.meeting.id
        let notYours = StoreError.invalidState(what: "meeting", reason: "#\(id) is lea's: only who goes can move it; ask lea")
        #expect(throws: notYours) {
            try b.moveMeeting(id: id, by: "sam", startsAt: instant("2026-12-04T14:00:00Z"), place: nil, duration: nil,
                              rules: rules, now: t0)
        }
        #expect(throws: StoreError.invalidState(what: "meeting", reason: "#\(id) is lea's: only who goes can cancel it; ask lea")) {
            try b.cancelMeeting(id: id, by: "sam")
        }
        #expect(try b.meetings(from: t0) == [added])
        #expect(try b.upcoming(limit: 10).map(\.id) == planned.map(\.id))

        // A day later, same length, new place: the pending three are replaced by the plan
        // for the new time, as the personal store would make it.
        let (moved, cancelled, replanned) = try b.moveMeeting(id: id, by: "lea", startsAt: instant("2026-12-04T14:00:00Z"),
                                                             place: "Station F", duration: nil, rules: rules, now: t0)
        #expect(moved.meeting.startsAt == instant("2026-12-04T14:00:00Z") && moved.meeting.endsAt == instant("2026-12-04T15:00:00Z"))
        #expect(moved.meeting.place == "Station F" && moved.by == "lea")
        #expect(Set(cancelled) == Set(planned.map(\.id)))
        var expected = draft
        expected.startsAt = moved.meeting.startsAt
        expected.place = "Station F"
        #expect(replanned.map(Self.row) == (try personalPlan(expected, contact: ContactDraft(name: "Ada Lovelace"))))
        #expect(try a.upcoming(limit: 10).map(\.id) == replanned.map(\.id))
        #expect(throws: ValidationError(field: "duration", reason: "must be longer than zero")) {
            try a.moveMeeting(id: id, by: "lea", startsAt: nil, place: nil, duration: ISODuration(), rules: rules, now: t0)
        }

        // Cancelled: its pending reminders with it; the meeting is gone for every node.
        let (removed, cancelledAtEnd) = try a.cancelMeeting(id: id, by: "lea")
        #expect(removed.meeting == moved.meeting)
        #expect(Set(cancelledAtEnd) == Set(replanned.map(\.id)))
        #expect(try b.meetings(from: t0).isEmpty && b.upcoming(limit: 10).isEmpty)
        #expect(throws: StoreError.meetingNotFound(id: id)) { try b.cancelMeeting(id: id, by: "lea") }
        a.close(); b.close()
    }

    @Test func aReplyThatAgreesToMeetAddsTheMeetingInItsTransactionOrNothing() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let (logged, _) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat", sentAt: t0,
                                            policy: .standard, rules: rules)
        let id = logged.outreach.id
        let draft = MeetingDraft(contactID: 0, startsAt: instant("2026-12-03T14:00:00Z"), place: "Café Olimpico")
        // A bad meeting refuses the reply too: the outreach still awaits one, its nudge pending.
        var nowhere = draft
        nowhere.place = ""
        #expect(throws: ValidationError.self) {
            try a.recordReply(outreachID: id, outcome: .meeting, at: t0, meeting: (nowhere, "sam", rules, t0))
        }
        #expect(try server.psql("SELECT status FROM outreach") == "awaiting_reply\n")
        #expect(try server.psql("SELECT count(*) FROM meeting") == "0\n")
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "1\n")

        let (replied, cancelled, meeting, reminders) = try a.recordReply(outreachID: id, outcome: .meeting, at: t0,
                                                                         meeting: (draft, "sam", rules, t0))
        #expect(replied.outreach.status == .meetingAgreed && cancelled.count == 1)
        let added = try #require(meeting)
        #expect(added.by == "sam" && added.meeting.outreachID == id && added.meeting.contactID == logged.outreach.contactID)
        #expect(reminders.map(\.kind) == [.meetingPrep, .meetingLeave, .thankYou])
        #expect(try a.upcoming(limit: 10).map(\.id) == reminders.map(\.id))
        a.close()
    }
}
