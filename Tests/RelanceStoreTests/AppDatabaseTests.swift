import Foundation
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing
import GRDB

@Suite struct AppDatabaseTests {
    let utc = TimeZone(identifier: "UTC")!
    let t0 = instant("2026-11-12T09:00:00Z")
    /// UTC, no delivery window: times come out exactly as the rule computes them.
    var rules: TimingRules {
        var rules = TimingRules(userZone: utc)
        rules.window.isEnabled = false
        return rules
    }
    let sevenDays = FollowUpPolicy(nudges: [.duration(ISODuration(days: 7))], letGo: nil)

    func databaseWithAda() throws -> (AppDatabase, Contact) {
        let db = try AppDatabase.inMemory()
        let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"]), now: t0)
        return (db, ada)
    }

    @Test func migratesAFreshFileInWALMode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relance-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("state/relance.sqlite").path
        let db = try AppDatabase.open(path: path)
        #expect(try db.appliedMigrations() == ["v1: contacts, outreach, reminders, inbox",
                                               "v2: polite timing, meetings, events, keep in touch",
                                               "v3: delivery outbox", "v4: daemon bookkeeping",
                                               "v5: reminders moved by hand", "v6: contact details, mail namespace",
                                               "v7: meetings offered by mail", "v8: calendar identity and versions of events",
                                               "v9: files of followed vdirs",
                                               "v10: reminder indexes only where they point somewhere",
                                               "v11: IMAP folder marks", "v12: all-day events", "v13: imported holidays",
                                               "v14: cancelled calendar series", "v15: bouncing addresses"])
        let mode = try db.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        // Reopening applies nothing twice.
        #expect(try AppDatabase.open(path: path).appliedMigrations().count == 15)
    }

    @Test func datesAreStoredAsSecondsSinceTheEpoch() throws {
        let (db, _) = try databaseWithAda()
        let stored = try db.writer.read { try Row.fetchOne($0, sql: "SELECT typeof(createdAt), createdAt FROM contact")! }
        #expect(stored[0] as String == "real")
        #expect(stored[1] as Double == t0.timeIntervalSince1970)
    }

    @Test func loggingAnOutreachSchedulesItsFollowUp() throws {
        let (db, ada) = try databaseWithAda()
        let (outreach, first, changes) = try db.logOutreach(
            contactID: ada.id, channel: "email", ask: "a 20-minute coffee chat", sentAt: t0, policy: sevenDays, rules: rules)
        let reminder = try #require(first)
        #expect(outreach.status == .awaitingReply)
        #expect(reminder.dueAt == instant("2026-11-19T09:00:00Z"))
        #expect(reminder.outreachID == outreach.id)
        #expect(reminder.text == "Follow up with Ada Lovelace — you asked for a 20-minute coffee chat on 12 Nov 2026; 7 days without reply")
        #expect(changes.scheduled == [ScheduledReminder(id: reminder.id, due: reminder.dueAt)])
    }

    @Test func aReplyCancelsThePendingFollowUps() throws {
        let (db, ada) = try databaseWithAda()
        let (outreach, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: t0,
                                                      policy: .standard, rules: rules)
        let reminder = try #require(first)
        let (replied, _, changes) = try db.recordReply(outreachID: outreach.id, outcome: .meeting, at: t0.addingTimeInterval(60),
                                                       rules: rules, now: t0)
        #expect(replied.status == .meetingAgreed)
        #expect(changes.cancelled == [reminder.id])
        #expect(try db.upcoming(limit: 10).isEmpty)
        #expect(try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: reminder.dueAt)], at: reminder.dueAt, late: false, rules: rules).items.isEmpty)
    }

    @Test func aReminderFiresExactlyOnceIntoTheInbox() throws {
        let (db, ada) = try databaseWithAda()
        let (reminder, _) = try db.addReminder(text: "Call the bakery", dueAt: t0, contactID: ada.id)
        let due = [ScheduledReminder(id: reminder.id, due: t0)]
        let firedAt = t0.addingTimeInterval(0.002)
        let items = try db.fireDue(expected: due, at: firedAt, late: false, rules: rules).items
        #expect(items.count == 1)
        #expect(items[0].dueAt == t0 && items[0].firedAt == firedAt && items[0].state == .unread)
        #expect(try db.fireDue(expected: due, at: firedAt.addingTimeInterval(1), late: true, rules: rules).items.isEmpty)
        #expect(try db.inbox(.all).count == 1)
        #expect(try db.reminder(id: reminder.id)?.state == .fired)
    }

    @Test func snoozedItemComesBackOnceAsTheSameItem() throws {
        let (db, _) = try databaseWithAda()
        let (reminder, _) = try db.addReminder(text: "Call the bakery", dueAt: t0, contactID: nil)
        let item = try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: t0)], at: t0, late: false, rules: rules).items[0]
        let until = t0.addingTimeInterval(86_400)
        let (snoozed, changes) = try db.snooze(inboxID: item.id, until: until)
        #expect(snoozed.state == .snoozed && snoozed.snoozedUntil == until)
        let resurface = try #require(changes.scheduled.first)
        let back = try db.fireDue(expected: [resurface], at: until, late: false, rules: rules).items
        #expect(back.map(\.id) == [item.id])
        #expect(back[0].state == .unread && back[0].snoozedUntil == nil)
        #expect(try db.fireDue(expected: [resurface], at: until, late: false, rules: rules).items.isEmpty)
        #expect(try db.inbox(.all).count == 1)
    }

    @Test func doneCancelsAPendingSnooze() throws {
        let (db, _) = try databaseWithAda()
        let (reminder, _) = try db.addReminder(text: "Call the bakery", dueAt: t0, contactID: nil)
        let item = try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: t0)], at: t0, late: false, rules: rules).items[0]
        let (_, snoozeChanges) = try db.snooze(inboxID: item.id, until: t0.addingTimeInterval(3600))
        let (done, changes) = try db.close(inboxID: item.id, as: .done)
        #expect(done.state == .done)
        #expect(changes.cancelled == snoozeChanges.scheduled.map(\.id))
        #expect(try db.upcoming(limit: 10).isEmpty)
    }

    @Test func aReplyDismissesASnoozedNudgeInsteadOfLeavingItSnoozedForEver() throws {
        let (db, ada) = try databaseWithAda()
        let (outreach, followUp, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "a coffee chat", sentAt: t0,
                                                         policy: .standard, rules: rules)
        let nudge = try #require(followUp)
        let item = try db.fireDue(expected: [ScheduledReminder(id: nudge.id, due: nudge.fireAt)], at: nudge.fireAt, late: false,
                                  rules: rules).items[0]
        let (_, snoozed) = try db.snooze(inboxID: item.id, until: nudge.fireAt.addingTimeInterval(86_400))
        let comeback = try #require(snoozed.scheduled.first)
        let (_, _, changes) = try db.recordReply(outreachID: outreach.id, outcome: .replied, at: nudge.fireAt, rules: rules,
                                                 now: nudge.fireAt)
        #expect(changes.cancelled.contains(comeback.id))
        #expect(try db.inboxItem(id: item.id).state == .dismissed)
        #expect(try db.inboxItem(id: item.id).snoozedUntil == nil)
        #expect(try db.upcoming(limit: 10).allSatisfy { $0.outreachID != outreach.id })
    }

    @Test func snoozingAClosedItemIsRefusedAndChangesNothing() throws {
        let (db, _) = try databaseWithAda()
        let (reminder, _) = try db.addReminder(text: "Call the bakery", dueAt: t0, contactID: nil)
        let item = try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: t0)], at: t0, late: false, rules: rules).items[0]
        _ = try db.close(inboxID: item.id, as: .done)
        #expect(throws: StoreError.cannotSnooze(inboxID: item.id, state: .done)) {
            try db.snooze(inboxID: item.id, until: t0.addingTimeInterval(3600))
        }
        #expect(try db.inboxItem(id: item.id).state == .done)
        #expect(try db.upcoming(limit: 10).isEmpty)
    }

    @Test func contactsResolveByIdOrUnambiguousName() throws {
        let (db, ada) = try databaseWithAda()
        let (byron, _) = try db.addContact(ContactDraft(name: "Ada Byron"), now: t0)
        _ = try db.addContact(ContactDraft(name: "Émilie du Châtelet"), now: t0)
        #expect(try db.resolveContact("\(ada.id)").id == ada.id)
        #expect(try db.resolveContact("lovelace").id == ada.id)
        #expect(try db.resolveContact("ada byron").id == byron.id)
        #expect(try db.resolveContact("emilie").name == "Émilie du Châtelet")
        #expect(throws: StoreError.ambiguousContact(query: "ada", candidates: ["Ada Lovelace (#1)", "Ada Byron (#2)"])) {
            try db.resolveContact("ada")
        }
        #expect(throws: StoreError.contactNotFound(query: "grace")) { try db.resolveContact("grace") }
        #expect(throws: StoreError.contactNotFound(query: "99")) { try db.resolveContact("99") }
    }

    @Test func aRejectedWriteChangesNothing() throws {
        let (db, _) = try databaseWithAda()
        #expect(throws: StoreError.self) {
            _ = try db.logOutreach(contactID: 42, channel: "email", ask: "x", sentAt: t0, policy: .standard, rules: rules)
        }
        #expect(throws: ValidationError.self) {
            _ = try db.addReminder(text: "line\nbreak", dueAt: t0, contactID: nil)
        }
        #expect(throws: StoreError.self) { _ = try db.addReminder(text: "x", dueAt: t0, contactID: 42) }
        #expect(try db.counts() == StoreCounts(contacts: 1, outreachAwaitingReply: 0, pendingReminders: 0, unread: 0))
    }

    @Test func pendingDeadlinesListOnlyPendingReminders() throws {
        let (db, _) = try databaseWithAda()
        let (first, _) = try db.addReminder(text: "one", dueAt: t0, contactID: nil)
        let (second, _) = try db.addReminder(text: "two", dueAt: t0.addingTimeInterval(60), contactID: nil)
        _ = try db.fireDue(expected: [ScheduledReminder(id: first.id, due: t0)], at: t0, late: false, rules: rules)
        #expect(try db.pendingDeadlines() == [ScheduledReminder(id: second.id, due: second.dueAt)])
    }
}
