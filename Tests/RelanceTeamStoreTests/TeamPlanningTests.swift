import Foundation
import Logging
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Re-planning the team's pending reminders under new rules (a reload), on a real
/// PostgreSQL 15: the same times the personal store's rules give, and what a person set
/// or moved by hand stays put.
@Suite(.serialized) struct TeamPlanningTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let logger = Logger(label: "team-planning-test")
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    @Test func newRulesReplanFollowUpsAndMeetingsButNotWhatAPersonSetOrMoved() throws {
        let server = try PostgresServer()
        let a = try TeamStore.open(TeamStoreSettings(url: server.url, node: "a"), logger: logger)
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace", timeZone: "Europe/London"), owner: "lea", now: t0)
        let (logged, followUp) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat",
                                                   sentAt: t0, policy: .standard, rules: rules)
        let (_, meetingReminders) = try a.addMeeting(MeetingDraft(contactID: ada.contact.id, startsAt: instant("2026-12-10T14:00:00Z"),
                                                                  place: "Café Olimpico"), by: "lea", rules: rules, now: t0)
        let (custom, _) = try a.addReminder(text: "Call Ada", dueAt: instant("2026-12-05T10:00:00Z"))
        let leave = try #require(meetingReminders.first { $0.kind == .meetingLeave })
        let prep = try #require(meetingReminders.first { $0.kind == .meetingPrep })
        _ = try a.moveReminder(id: prep.id, to: instant("2026-12-09T07:00:00Z"), zone: rules.userZone, now: t0)

        // Nothing changes under the same rules.
        #expect(try a.replan(rules: rules, now: t0).scheduled.isEmpty)

        var later = rules
        later.politeTime = LocalTimeOfDay(hour: 14)
        later.meetingLeaveLead = ISODuration(hours: 2)
        let changes = try a.replan(rules: later, now: t0)
        let step = try #require(Planner.followUp(step: 0, policy: .standard, anchor: t0, contactZone: ada.contact.zone, rules: later))
        let leaving = try #require(MeetingReminders.time(.meetingLeave, startsAt: instant("2026-12-10T14:00:00Z"),
                                                         endsAt: instant("2026-12-10T15:00:00Z"), rules: later, now: t0))
        #expect(step.fireAt != followUp!.fireAt && leaving.fireAt == instant("2026-12-10T12:00:00Z"))
        #expect(Set(changes.scheduled.map(\.id)) == [followUp!.id, leave.id])
        let pending = Dictionary(uniqueKeysWithValues: try a.upcoming(limit: 20).map { ($0.id, $0) })
        #expect(pending[followUp!.id]?.fireAt == step.fireAt && pending[followUp!.id]?.dueAt == step.dueAt)
        #expect(pending[leave.id]?.fireAt == leaving.fireAt)
        #expect(pending[prep.id]?.fireAt == instant("2026-12-09T07:00:00Z"))  // moved by hand
        #expect(pending[custom.id]?.fireAt == custom.fireAt)                     // set for a time
        #expect(logged.outreach.status == .awaitingReply)
        a.close()
    }

    @Test func correctingAnOutreachReplansItsPendingStepAsThePersonalStoreDoesForItsAuthorOnly() throws {
        let server = try PostgresServer()
        let a = try TeamStore.open(TeamStoreSettings(url: server.url, node: "a"), logger: logger)
        let personal = try AppDatabase.inMemory()
        let draft = ContactDraft(name: "Ada Lovelace", timeZone: "Europe/London")
        _ = try a.addContact(draft, owner: "lea", now: t0)
        let (mine, _) = try personal.addContact(draft, now: t0)
        let (logged, first) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat",
                                                sentAt: t0, policy: .standard, rules: rules)
        let (personalOutreach, _, _) = try personal.logOutreach(contactID: mine.id, channel: "email", ask: "a coffee chat",
                                                                sentAt: t0, policy: .standard, rules: rules)
        let edit = OutreachEdit(ask: "a 20-minute call", sentAt: t0.addingTimeInterval(-2 * 86_400),
                                policy: FollowUpPolicy(nudges: [.businessDays(3), .businessDays(5)], letGo: nil))

        // Not the author: refused, nothing changed.
        #expect(throws: StoreError.invalidState(what: "outreach", reason: "#\(logged.outreach.id) is lea's: only its author can correct it; ask lea, or log your own outreach to Ada Lovelace with anyway")) {
            try a.updateOutreach(outreachID: logged.outreach.id, by: "sam", edit: edit, rules: rules)
        }
        #expect(try a.outreach(id: logged.outreach.id) == logged)
        #expect(try a.upcoming(limit: 5) == [first!])

        let (updated, cancelled, next) = try a.updateOutreach(outreachID: logged.outreach.id, by: "lea", edit: edit, rules: rules)
        let expected = try personal.updateOutreach(outreachID: personalOutreach.id, edit: edit, rules: rules)
        #expect(updated.outreach.ask == "a 20-minute call" && updated.outreach.sentAt == edit.sentAt)
        #expect(updated.outreach.policy == edit.policy)
        #expect(cancelled == [first!.id] && expected.cancelled == 1)
        let step = try #require(next), theirs = try #require(expected.next)
        #expect([step.kind.rawValue, step.text, "\(step.dueAt)", "\(step.fireAt)", step.reason]
                == [theirs.kind.rawValue, theirs.text, "\(theirs.dueAt)", "\(theirs.fireAt)", theirs.reason])
        #expect(try a.upcoming(limit: 5) == [step])
        // A send time after the last follow-up is refused, as on the personal store.
        _ = try a.logFollowUp(outreachID: logged.outreach.id, by: "lea", at: t0, note: nil, rules: rules)
        #expect(throws: ValidationError.self) {
            try a.updateOutreach(outreachID: logged.outreach.id, by: "lea", edit: OutreachEdit(sentAt: t0.addingTimeInterval(3600)),
                                 rules: rules)
        }
        a.close()
    }

    @Test func aContactCorrectedWithANewZoneReplansItsFollowUpAsThePersonalStoreDoes() throws {
        let server = try PostgresServer()
        let a = try TeamStore.open(TeamStoreSettings(url: server.url, node: "a"), logger: logger)
        let personal = try AppDatabase.inMemory()
        let draft = ContactDraft(name: "Ada Lovelace", emails: ["ada@example.org"])
        let ada = try a.addContact(draft, owner: "lea", now: t0)
        let (mine, _) = try personal.addContact(draft, now: t0)
        _ = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat", sentAt: t0,
                              policy: .standard, rules: rules)
        _ = try personal.logOutreach(contactID: mine.id, channel: "email", ask: "a coffee chat", sentAt: t0,
                                     policy: .standard, rules: rules)
        let patch = ContactPatch(organization: "Analytical Engines", timeZone: "America/New_York", title: "Countess")
        let (updated, changes) = try a.updateContact(id: ada.contact.id, patch, rules: rules, now: t0)
        let (theirs, _) = try personal.updateContact(id: mine.id, patch, now: t0, rules: rules)
        #expect(updated.owner == "lea" && updated.contact.timeZone == "America/New_York")
        #expect(updated.contact.organization == theirs.organization && updated.contact.details == theirs.details)
        #expect(changes.scheduled.count == 1)
        #expect(try a.upcoming(limit: 5).map(\.fireAt) == (try personal.upcoming(limit: 5).map(\.fireAt)))
        // Invalid: nothing changes.
        #expect(throws: ValidationError.self) { try a.updateContact(id: ada.contact.id, ContactPatch(name: " "), rules: rules, now: t0) }
        #expect(throws: StoreError.contactNotFound(query: "99")) { try a.updateContact(id: 99, patch, rules: rules, now: t0) }
        #expect(try a.contacts() == [updated])
        a.close()
    }
}
