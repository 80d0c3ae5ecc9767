import Foundation
import GRDB
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

/// Sequences, meetings, keep-in-touch and re-planning in the store (issue #3).
@Suite struct PoliteTimingStoreTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    var rules: TimingRules { TimingRules(userZone: paris) }
    /// Thursday 12 Nov 2026, 10:00 in Paris.
    let sent = instant("2026-11-12T09:00:00Z")

    func setUp() throws -> (AppDatabase, Contact) {
        let db = try AppDatabase.inMemory()
        let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace"), now: sent)
        return (db, ada)
    }

    func fireNext(_ db: AppDatabase) throws -> Firing {
        let next = try #require(try db.upcoming(limit: 1).first)
        return try db.fireDue(expected: [ScheduledReminder(id: next.id, due: next.fireAt)], at: next.fireAt, late: false, rules: rules)
    }

    @Test func theStandardSequenceNudgesTwiceThenLetsGo() throws {
        let (db, ada) = try setUp()
        let (outreach, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                                      policy: .standard, rules: rules)
        // Thu 12 Nov + 7 business days = Mon 23 Nov, 09:30 Paris.
        #expect(first?.fireAt == instant("2026-11-23T08:30:00Z"))
        let one = try fireNext(db)
        #expect(one.items.map(\.kind) == [.followUp])
        // + 10 business days from Mon 23 = Mon 7 Dec 09:30.
        #expect(try db.upcoming(limit: 5).map(\.fireAt) == [instant("2026-12-07T08:30:00Z")])
        #expect(try db.upcoming(limit: 1).first?.text.hasPrefix("Follow up again with Ada Lovelace") == true)
        _ = try fireNext(db)
        let last = try #require(try db.upcoming(limit: 5).first)
        #expect(last.kind == .letGo)
        _ = try fireNext(db)
        #expect(try db.upcoming(limit: 5).isEmpty)
        #expect(try db.outreach(id: outreach.id).status == .noReply)
    }

    @Test func loggingAFollowUpMovesToTheNextStepFromThatMoment() throws {
        let (db, ada) = try setUp()
        let (outreach, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                                      policy: .standard, rules: rules)
        // Followed up early, on Tue 17 Nov 15:00: nudge 1 is replaced by nudge 2 from then.
        let (updated, next, changes) = try db.logFollowUp(outreachID: outreach.id, at: instant("2026-11-17T14:00:00Z"), note: nil, rules: rules)
        #expect(updated.followUpsSent == 1)
        #expect(changes.cancelled.contains(first!.id))
        #expect(next?.kind == .followUp)
        #expect(next?.fireAt == instant("2026-12-01T08:30:00Z"))  // Tue 17 + 10 business days = Tue 1 Dec
        #expect(try db.upcoming(limit: 5).count == 1)
    }

    @Test func anAutoReplyIsNotAReply() throws {
        let (db, ada) = try setUp()
        let (outreach, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                                      policy: .standard, rules: rules)
        let (same, _, changes) = try db.recordReply(outreachID: outreach.id, outcome: .autoReply, at: sent, rules: rules, now: sent)
        #expect(same.status == .awaitingReply)
        #expect(changes.isEmpty)
        #expect(try db.upcoming(limit: 5).map(\.id) == [first!.id])
        _ = try db.recordReply(outreachID: outreach.id, outcome: .declined, at: sent, rules: rules, now: sent)
        #expect(try db.upcoming(limit: 5).isEmpty)
    }

    @Test func aMeetingReplyCreatesTheMeetingAndItsThreeReminders() throws {
        let (db, ada) = try setUp()
        let (outreach, _, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "coffee", sentAt: sent,
                                                  policy: .standard, rules: rules)
        // Thursday 3 Dec 10:00 Paris at Café Olimpico, 45 minutes.
        let start = LocalDateTime("2026-12-03T10:00")!.instant(in: paris)
        let draft = MeetingDraft(contactID: 0, startsAt: start, duration: ISODuration(minutes: 45), place: "Café Olimpico")
        let (_, meeting, _) = try db.recordReply(outreachID: outreach.id, outcome: .meeting, at: sent, meeting: draft, rules: rules, now: sent)
        #expect(meeting?.place == "Café Olimpico")
        let reminders = try db.upcoming(limit: 10)
        #expect(reminders.map(\.kind) == [.meetingPrep, .meetingLeave, .thankYou])
        #expect(reminders.map(\.fireAt) == [LocalDateTime("2026-12-02T09:00")!.instant(in: paris),
                                            LocalDateTime("2026-12-03T09:00")!.instant(in: paris),
                                            LocalDateTime("2026-12-04T09:00")!.instant(in: paris)])
        #expect(reminders[1].text == "Leave for Café Olimpico: meeting with Ada Lovelace at 10:00")
    }

    @Test func anyInteractionPushesKeepInTouchOut() throws {
        let db = try AppDatabase.inMemory()
        let (grace, changes) = try db.addContact(ContactDraft(name: "Grace Hopper", keepInTouch: .duration(ISODuration(days: 90))),
                                                 now: sent, rules: rules)
        #expect(changes.scheduled.count == 1)
        let first = try #require(try db.upcoming(limit: 1).first)
        #expect(first.kind == .keepInTouch)
        #expect(first.dueAt == ISODuration(days: 90).added(to: sent, in: paris))
        let touched = instant("2026-12-01T12:00:00Z")
        let moved = try db.touchContact(id: grace.id, at: touched, note: "met at a meetup", rules: rules)
        #expect(moved.cancelled == [first.id])
        #expect(try db.upcoming(limit: 5).map(\.dueAt) == [ISODuration(days: 90).added(to: touched, in: paris)])
    }

    @Test func changingAContactsZoneReplansOnlyItsFollowUps() throws {
        let (db, ada) = try setUp()
        let (grace, _) = try db.addContact(ContactDraft(name: "Grace Hopper"), now: sent)
        _ = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent, policy: .standard, rules: rules)
        let (_, graceFirst, _) = try db.logOutreach(contactID: grace.id, channel: "email", ask: "advice", sentAt: sent,
                                                    policy: .standard, rules: rules)
        var patch = ContactPatch()
        patch.timeZone = "America/Los_Angeles"
        let (_, changes) = try db.updateContact(id: ada.id, patch, now: sent, rules: rules)
        #expect(changes.scheduled.count == 1)
        let adaNext = try #require(try db.upcoming(limit: 5).first { $0.contactID == ada.id })
        // Mon 23 Nov 09:30 in Los Angeles = 18:30 Paris, outside the window: Tue 09:00.
        #expect(adaNext.dueAt == instant("2026-11-23T17:30:00Z"))
        #expect(adaNext.fireAt == instant("2026-11-24T08:00:00Z"))
        #expect(try db.reminder(id: graceFirst!.id)?.fireAt == graceFirst!.fireAt)
    }

    @Test func aNewWindowReplansPendingComputedRemindersButNotCustomOnes() throws {
        let (db, ada) = try setUp()
        let (_, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                               policy: .standard, rules: rules)
        let (custom, _) = try db.addReminder(text: "Call the bakery", dueAt: instant("2026-11-28T07:00:00Z"), contactID: nil)
        var later = rules
        later.window.hours[.monday] = [ClockRange("11:00-18:00")!]
        let changes = try db.replan(rules: later, now: sent)
        #expect(changes.scheduled.map(\.id) == [first!.id])
        #expect(try db.reminder(id: first!.id)?.fireAt == instant("2026-11-23T10:00:00Z"))
        #expect(try db.reminder(id: custom.id)?.fireAt == instant("2026-11-28T07:00:00Z"))
        #expect(try db.replan(rules: later, now: sent).isEmpty)
    }

    @Test func aVersionOneDatabaseMigratesWithItsPendingReminders() throws {
        let queue = try DatabaseQueue()
        var migrator = DatabaseMigrator()
        let v1 = AppDatabase.migrator
        try v1.migrate(queue, upTo: "v1: contacts, outreach, reminders, inbox")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO contact (name, emails, handles, tags, createdAt, updatedAt) VALUES ('Ada', '[]', '{}', '[]', 0, 0);
                INSERT INTO outreach (contactId, channel, ask, sentAt, status, followUpDelay) VALUES (1, 'email', 'x', 0, 'awaiting_reply', 'P7D');
                INSERT INTO reminder (kind, text, contactId, outreachId, dueAt, state) VALUES ('follow_up', 'Follow up', 1, 1, 604800, 'pending');
                """)
        }
        _ = migrator
        migrator = v1
        let db = try AppDatabase(queue)
        #expect(try db.pendingDeadlines() == [ScheduledReminder(id: 1, due: Date(timeIntervalSince1970: 604800))])
        #expect(try db.outreach(id: 1).policy.nudges == [.duration(ISODuration(days: 7))])
    }
}
