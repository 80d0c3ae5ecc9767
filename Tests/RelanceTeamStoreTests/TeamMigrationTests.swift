import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// `relancectl migrate --from sqlite` (issue #16): a personal store file, built through its
/// own API, copied into a real PostgreSQL 15 team store: all or nothing, once.
@Suite(.serialized) struct TeamMigrationTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    /// A personal store file: Ada (with an outreach awaiting its first follow-up), Grace
    /// (e-mail the team already knows), a custom reminder tied to Ada, one alone.
    func personalStore(_ folder: URL) throws -> (path: String, ada: Contact, outreach: Outreach, followUp: Reminder) {
        let path = folder.appendingPathComponent("relance.sqlite").path
        let store = try AppDatabase.open(path: path)
        let (ada, _) = try store.addContact(ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"], timeZone: "Europe/London",
                                                         tags: ["math"], details: ContactDetails(title: "Countess")), now: t0)
        _ = try store.addContact(ContactDraft(name: "Grace Hopper", emails: ["GRACE@example.com"]), now: t0)
        let (outreach, followUp, _) = try store.logOutreach(contactID: ada.id, channel: "email", ask: "a coffee chat", sentAt: t0,
                                                            policy: .standard, rules: rules)
        _ = try store.addReminder(text: "send Ada the paper", dueAt: t0.addingTimeInterval(86_400), contactID: ada.id)
        _ = try store.addReminder(text: "renew the domain", dueAt: t0.addingTimeInterval(2 * 86_400), contactID: nil)
        return (path, ada, outreach, try #require(followUp))
    }

    func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("relance-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func aPersonalStoreIsCopiedForTheCallerWithItsPendingRemindersAndAMatchedContactLinked() throws {
        let server = try PostgresServer()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, ada, outreach, followUp) = try personalStore(folder)
        let a = try server.node("a"), b = try server.node("b")
        let heard = NIOLockedValueBox<[ScheduleChanges]>([])
        b.observeReminders { changes in heard.withLockedValue { $0.append(changes) } }
        let grace = try a.addContact(ContactDraft(name: "Grace B. Hopper", emails: ["grace@example.com"]), owner: "sam", now: t0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))

        let counts = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)

        var expected = MigrationCounts()
        expected.contacts = 1; expected.matchedByEmail = 1; expected.outreach = 1; expected.reminders = 3
        #expect(counts == expected)
        let contacts = try b.contacts()
        #expect(contacts.map(\.contact.name) == ["Ada Lovelace", "Grace B. Hopper"])
        let copiedAda = contacts[0]
        #expect(copiedAda.owner == "lea" && copiedAda.contact.emails == ada.emails && copiedAda.contact.timeZone == "Europe/London")
        #expect(copiedAda.contact.details.title == "Countess" && copiedAda.contact.tags == ["math"] && copiedAda.contact.createdAt == t0)
        #expect(contacts[1] == grace)  // linked, not duplicated nor changed
        let copiedOutreach = try #require(try b.outreaches().first)
        #expect(copiedOutreach.author == "lea" && copiedOutreach.outreach.contactID == copiedAda.contact.id)
        #expect(copiedOutreach.outreach.ask == outreach.ask && copiedOutreach.outreach.sentAt == outreach.sentAt
                && copiedOutreach.outreach.policy == outreach.policy && copiedOutreach.outreach.status == .awaitingReply)
        let upcoming = try b.upcoming(limit: 10)
        #expect(Set(upcoming.map(\.text)) == [followUp.text, "send Ada the paper", "renew the domain"])
        let copiedFollowUp = try #require(upcoming.first { $0.kind == .followUp })
        #expect(copiedFollowUp.outreachID == copiedOutreach.outreach.id && copiedFollowUp.contactID == copiedAda.contact.id)
        #expect(copiedFollowUp.dueAt == followUp.dueAt && copiedFollowUp.fireAt == followUp.fireAt && copiedFollowUp.reason == followUp.reason)
        #expect(try server.psql("SELECT step FROM reminder WHERE kind = 'follow_up'") == "0\n")
        // Whose it is, and what re-planning reads: the step's anchor (the send), so new rules
        // move it as they would on the personal store; the same rules move nothing.
        #expect(try server.psql("SELECT owner, anchor_at = sent_at FROM reminder JOIN outreach ON outreach.id = outreach_id")
                == "lea|t\n")
        #expect(try server.psql("SELECT DISTINCT owner FROM reminder") == "lea\n")
        #expect(try b.replan(rules: rules, now: t0).scheduled.isEmpty)
        #expect(upcoming.first { $0.text == "send Ada the paper" }?.contactID == copiedAda.contact.id)
        // Every node hears of the copied reminders (the insert trigger), so one of them fires each once.
        try waitUntil { Set(heard.withLockedValue { $0.flatMap(\.scheduled).map(\.id) }) == Set(upcoming.map(\.id)) }
        let firing = try b.fireDue(expected: [], at: copiedFollowUp.fireAt, late: false, lateBefore: nil, rules: rules, channels: [])
        #expect(firing.items.map(\.reminderID).contains(copiedFollowUp.id))
        #expect(try a.fireDue(expected: [], at: copiedFollowUp.fireAt, late: false, lateBefore: nil, rules: rules, channels: []).items.isEmpty)
        // The file was only read.
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        a.close(); b.close()
    }

    @Test func aSecondRunCopiesNothingAndALaterRunOnlyWhatWasAdded() throws {
        let server = try PostgresServer()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, _, _, _) = try personalStore(folder)
        let a = try server.node("a")
        _ = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        let snapshot = try server.psql("SELECT count(*) FROM contact") + (try server.psql("SELECT count(*) FROM outreach"))
            + (try server.psql("SELECT count(*) FROM reminder"))

        let again = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        #expect(again.contacts == 0 && again.outreach == 0 && again.reminders == 0 && again.matchedByEmail == 0)
        #expect(again.alreadyCopied == 2 + 1 + 3)  // contacts, outreach, pending reminders
        #expect(try server.psql("SELECT count(*) FROM contact") + (try server.psql("SELECT count(*) FROM outreach"))
                + (try server.psql("SELECT count(*) FROM reminder")) == snapshot)

        // The personal store grows: only the new rows are copied.
        do {
            let store = try AppDatabase.open(path: path)
            let (linus, _) = try store.addContact(ContactDraft(name: "Linus Pauling"), now: t0)
            _ = try store.addReminder(text: "call Linus", dueAt: t0.addingTimeInterval(3 * 86_400), contactID: linus.id)
        }
        let later = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        #expect(later.contacts == 1 && later.reminders == 1 && later.outreach == 0 && later.alreadyCopied == 6)
        #expect(try server.psql("SELECT count(*) FROM contact") == "3\n")
        #expect(try server.psql("SELECT count(*) FROM migrated_row") == "8\n")
        a.close()
    }

    @Test func aContactTheTeamRemovedIsNotBroughtBackNorIsWhatWasAddedToThemSince() throws {
        let server = try PostgresServer()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, ada, _, _) = try personalStore(folder)
        let a = try server.node("a")
        _ = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        let teamAda = try #require(Int64(try server.psql("SELECT team_id FROM migrated_row WHERE kind = 'contact' AND source_id = \(ada.id)")
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        _ = try a.removeContact(id: teamAda, by: "lea", force: true)
        // The personal store goes on with Ada: a second outreach, a reminder about her.
        do {
            let store = try AppDatabase.open(path: path)
            _ = try store.logOutreach(contactID: ada.id, channel: "email", ask: "a second chat", sentAt: t0.addingTimeInterval(7 * 86_400),
                                      policy: .standard, rules: rules)
            _ = try store.addReminder(text: "ask Ada again", dueAt: t0.addingTimeInterval(9 * 86_400), contactID: ada.id)
        }
        let before = try server.psql("SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM outreach), (SELECT count(*) FROM reminder)")
        // The team's removal stands: Ada, her new outreach and its follow-up, and the
        // reminder about her stay out (they would point at a contact the team no longer has).
        let again = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        #expect(again.contacts == 0 && again.outreach == 0 && again.reminders == 0)
        #expect(again.removedInTeam == 1 + 1 + 2)  // Ada, the outreach, its follow-up and the reminder
        #expect(try server.psql("SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM outreach), (SELECT count(*) FROM reminder)")
                == before)
        a.close()
    }

    @Test func aMeetingIsCopiedWithItsRemindersForTheCallerToGoTo() throws {
        let server = try PostgresServer()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, ada, outreach, _) = try personalStore(folder)
        let startsAt = instant("2026-12-10T14:00:00Z")
        let (meeting, _): (Meeting, ScheduleChanges) = try {
            let store = try AppDatabase.open(path: path)
            return try store.addMeeting(MeetingDraft(contactID: ada.id, outreachID: outreach.id, startsAt: startsAt,
                                                     place: "Café Olimpico", notes: "bring the deck"), rules: rules, now: t0)
        }()
        let planned = try AppDatabase.open(path: path).upcoming(limit: 20).filter { MeetingReminders.kinds.contains($0.kind) }
        let a = try server.node("a")

        let counts = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        #expect(counts.meetings == 1 && counts.reminders == 3 + 3)
        let copied = try #require(try a.meetings(from: t0).first)
        #expect(copied.by == "lea" && copied.contactName == "Ada Lovelace" && copied.meeting.place == meeting.place)
        #expect(copied.meeting.startsAt == meeting.startsAt && copied.meeting.endsAt == meeting.endsAt && copied.meeting.notes == meeting.notes)
        #expect(copied.meeting.outreachID == (try a.outreaches().first?.outreach.id))
        let reminders = try a.upcoming(limit: 20).filter { MeetingReminders.kinds.contains($0.kind) }
        #expect(reminders.map(\.fireAt) == planned.map(\.fireAt) && reminders.map(\.text) == planned.map(\.text))
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE meeting_id = \(copied.meeting.id) AND owner = 'lea'") == "3\n")
        // Copied once; the team's own moves work on it (its reminders follow the meeting).
        #expect(try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0).alreadyCopied == 2 + 1 + 1 + 6)
        let (_, cancelled, replanned) = try a.moveMeeting(id: copied.meeting.id, by: "lea", startsAt: startsAt.addingTimeInterval(86_400),
                                                          place: nil, duration: nil, rules: rules, now: t0)
        #expect(Set(cancelled) == Set(reminders.map(\.id)) && replanned.count == 3)
        a.close()
    }

    @Test func anEventIsCopiedWithItsRemindersForTheCallerUnlessTheTeamHasItsUID() throws {
        let server = try PostgresServer()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, _, _, _) = try personalStore(folder)
        let starts = [instant("2026-12-10T18:00:00Z"), instant("2026-12-17T18:00:00Z")]
        let weekly = EventDraft(uid: "drinks@example.org", title: "Startup drinks", start: LocalDateTime("2026-12-10T19:00")!,
                                timeZone: "Europe/Paris", duration: 3 * 3600, place: "Station F",
                                recurrence: EventRecurrence(rrule: "FREQ=WEEKLY;BYDAY=TH"))
        var fair = weekly
        fair.uid = "fair@example.org"; fair.title = "Job fair"; fair.recurrence = nil
        try {
            let store = try AppDatabase.open(path: path)
            let event = try store.addEvent(weekly, rules: rules, now: t0)
            _ = try store.materialize(eventID: event.id, occurrences: starts, rules: rules, now: t0)
            let other = try store.addEvent(fair, rules: rules, now: t0)
            _ = try store.materialize(eventID: other.id, occurrences: [starts[0]], rules: rules, now: t0)
        }()
        let planned = try AppDatabase.open(path: path).upcoming(limit: 50).filter { $0.text.contains("Startup drinks") }
        let a = try server.node("a")
        // sam imported the job fair into the team already: it stays his, nothing doubled.
        let (samsFair, samsReminders) = try a.addEvent(fair, by: "sam", rules: rules, now: t0, upcoming: { _ in [starts[0]] })

        let counts = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        #expect(counts.events == 1 && counts.eventsInTeam == 1 && counts.reminders == 3 + planned.count)
        let events = try a.events()
        #expect(events.map { "\($0.by) \($0.event.title)" } == ["sam Job fair", "lea Startup drinks"])
        let copied = events[1].event
        #expect(copied.uid == weekly.uid && copied.start == weekly.start && copied.recurrence == weekly.recurrence
                && copied.reminders == rules.eventReminders && copied.place == "Station F")
        let reminders = try a.upcoming(limit: 50).filter { $0.text.contains("Startup drinks") }
        #expect(reminders.map(\.fireAt) == planned.map(\.fireAt) && reminders.map(\.text) == planned.map(\.text))
        #expect(try server.psql("SELECT count(*), min(owner) FROM reminder WHERE event_id = \(copied.id)") == "\(planned.count)|lea\n")
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE event_id = \(samsFair.event.id)") == "\(samsReminders.count)\n")
        // Planned once: the team's planner finds the two occurrences there and adds the third only.
        let third = try a.materialize(eventID: copied.id, rules: rules, now: t0,
                                      upcoming: { _ in starts + [instant("2026-12-24T18:00:00Z")] })
        #expect(!third.isEmpty && Set(third.map(\.text)).allSatisfy { $0.contains("Startup drinks") })
        #expect(try server.psql("SELECT count(DISTINCT anchor_at) FROM reminder WHERE event_id = \(copied.id)") == "3\n")
        // Copied once.
        let again = try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        #expect(again.events == 0 && again.eventsInTeam == 1 && again.alreadyCopied == 2 + 1 + 1 + 3 + planned.count)
        a.close()
    }

    @Test func aRowTheTeamDatabaseRefusesRollsTheWholeCopyBack() throws {
        let server = try PostgresServer()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, _, _, _) = try personalStore(folder)
        let a = try server.node("a")
        // A rule of this team's database (as a DBA may add): no outreach without a polite
        // ask. The contacts go in first, then the outreach is refused.
        _ = try server.psql("ALTER TABLE outreach ADD CONSTRAINT polite_ask CHECK (ask LIKE 'please%')")

        let error = #expect(throws: MigrationRefused.self) {
            try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0)
        }
        #expect(error?.reason.contains("refused the outreach (1)") == true)
        #expect(error?.reason.contains("polite_ask") == true)
        for table in ["contact", "outreach", "reminder", "migrated_row"] {
            #expect(try server.psql("SELECT count(*) FROM \(table)") == "0\n", "\(table) is not empty")
        }
        // The same copy goes through once the rule allows it.
        _ = try server.psql("ALTER TABLE outreach DROP CONSTRAINT polite_ask")
        #expect(try a.migrate(try AppDatabase.readCopy(path: path), user: "lea", now: t0).outreach == 1)
        a.close()
    }

    @Test func aFileThatIsNoPersonalStoreIsRefusedByName() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("nope.sqlite").path
        #expect(throws: PersonalStoreCopyError.self) { try AppDatabase.readCopy(path: missing) }
        #expect((try? AppDatabase.readCopy(path: missing)) == nil)
        func kind(_ path: String) -> PersonalStoreCopyError.Kind? {
            do { _ = try AppDatabase.readCopy(path: path); return nil } catch { return (error as? PersonalStoreCopyError)?.kind }
        }
        #expect(kind(missing) == .missing)
        let text = folder.appendingPathComponent("notes.txt").path
        try Data(String(repeating: "not a database\n", count: 100).utf8).write(to: URL(fileURLWithPath: text))
        #expect(kind(text) == .notSQLite)
        let other = folder.appendingPathComponent("other.sqlite").path
        _ = try Process.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c",
            "import sqlite3; c = sqlite3.connect('\(other)'); c.execute('CREATE TABLE t (x)'); c.commit()"]).waitUntilExitReturning()
        #expect(kind(other) == .notARelanceStore)
        let (path, _, _, _) = try personalStore(folder)
        // Someone else's store: refused before a byte of it is read.
        do {
            _ = try AppDatabase.readCopy(path: path, owner: getuid() &+ 4242)
            Issue.record("someone else's file was read")
        } catch let error as PersonalStoreCopyError {
            #expect(error.kind == .notYours && error.description.contains("not to you (uid \(getuid() &+ 4242))"))
        }
        #expect(try AppDatabase.readCopy(path: path, owner: getuid()).contacts.count == 2)
        _ = try Process.run(URL(fileURLWithPath: "/usr/bin/env"), arguments: ["python3", "-c",
            "import sqlite3; c = sqlite3.connect('\(path)'); c.execute(\"INSERT INTO grdb_migrations VALUES ('v99: from the future')\"); c.commit()"]).waitUntilExitReturning()
        do {
            _ = try AppDatabase.readCopy(path: path)
            Issue.record("a newer schema was read")
        } catch let error as PersonalStoreCopyError {
            #expect(error.kind == .newerSchema && error.description.contains(path) && error.description.contains("v99: from the future"))
        }
    }
}

extension Process {
    /// Waits and returns the exit status (tests only).
    func waitUntilExitReturning() -> Int32 { waitUntilExit(); return terminationStatus }
}
