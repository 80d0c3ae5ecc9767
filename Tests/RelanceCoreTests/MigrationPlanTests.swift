import Foundation
import RelanceCore
import RelanceTestKit
import Testing

/// What `relancectl migrate` takes from a personal store (issue #16), decided without a
/// database.
struct MigrationPlanTests {
    let t0 = instant("2026-12-01T08:00:00Z")

    func contact(_ id: Int64, _ name: String, _ emails: [String] = []) -> Contact {
        Contact(id: id, name: name, emails: emails, createdAt: t0)
    }

    func outreach(_ id: Int64, to contactID: Int64) -> Outreach {
        Outreach(id: id, contactID: contactID, channel: "email", ask: "a chat", sentAt: t0, status: .awaitingReply, policy: .standard)
    }

    func pending(_ id: Int64, _ kind: ReminderKind, contact: Int64? = nil, outreach: Int64? = nil, step: Int? = nil,
                 snoozing: Int64? = nil) -> PersonalStoreCopy.PendingReminder {
        PersonalStoreCopy.PendingReminder(reminder: Reminder(id: id, kind: kind, text: "r\(id)", contactID: contact, outreachID: outreach, dueAt: t0,
                                                             resurfacesInboxID: snoozing), step: step)
    }

    @Test func aContactWhoseAddressTheTeamHasIsLinkedWhateverTheCase() {
        let copy = PersonalStoreCopy(identity: "ns", contacts: [contact(1, "Ada", ["Ada@Example.com"]), contact(2, "Grace", ["g@example.com"])],
                                     outreach: [], reminders: [])
        let plan = MigrationPlan.make(copy, copied: [], teamEmails: ["ada@example.com": 40])
        #expect(plan.links == [1: 40])
        #expect(plan.newContacts.map(\.id) == [2])
        #expect(plan.counts.matchedByEmail == 1 && plan.counts.contacts == 1)
    }

    @Test func onlyCustomRemindersAndTheStepOfAnOutreachCopiedNowAreTaken() {
        let copy = PersonalStoreCopy(
            identity: "ns", contacts: [contact(1, "Ada")], outreach: [outreach(10, to: 1), outreach(11, to: 1)],
            reminders: [pending(100, .custom), pending(101, .followUp, outreach: 10, step: 0), pending(102, .letGo, outreach: 11, step: 2),
                        pending(103, .custom, snoozing: 7), pending(104, .meetingPrep), pending(105, .keepInTouch),
                        pending(106, .eventSoon)])
        // Outreach 11 went over in an earlier run: its later step is the team's to plan.
        let plan = MigrationPlan.make(copy, copied: [MigrationPlan.Key(.contact, 1), MigrationPlan.Key(.outreach, 11)], teamEmails: [:])
        #expect(plan.newOutreach.map(\.id) == [10])
        #expect(plan.newReminders.map(\.reminder.id) == [100, 101])
        #expect(plan.counts.alreadyCopied == 2 && plan.counts.reminders == 2 && plan.counts.skippedReminders == 5)
    }

    @Test func aKeepInTouchReminderGoesWithAContactCopiedNowOnly() {
        // Ada is copied now, Grace linked to the team's own Grace, Alan copied earlier.
        let copy = PersonalStoreCopy(identity: "ns", contacts: [contact(1, "Ada"), contact(2, "Grace", ["g@example.com"]), contact(3, "Alan")],
                                     outreach: [], reminders: [pending(100, .keepInTouch, contact: 1), pending(101, .keepInTouch, contact: 2),
                                                               pending(102, .keepInTouch, contact: 3)])
        let plan = MigrationPlan.make(copy, copied: [MigrationPlan.Key(.contact, 3)], teamEmails: ["g@example.com": 40])
        #expect(plan.newReminders.map(\.reminder.id) == [100])
        #expect(plan.counts.reminders == 1 && plan.counts.skippedReminders == 2)
    }

    @Test func aStoreCopiedBeforeIsCopiedAgainAsNothing() {
        let copy = PersonalStoreCopy(identity: "ns", contacts: [contact(1, "Ada", ["ada@example.com"])], outreach: [outreach(10, to: 1)],
                                     reminders: [pending(100, .custom), pending(101, .followUp, outreach: 10, step: 0)])
        let first = MigrationPlan.make(copy, copied: [], teamEmails: [:])
        let keys = Set(first.newContacts.map { MigrationPlan.Key(.contact, $0.id) } + first.newOutreach.map { MigrationPlan.Key(.outreach, $0.id) }
                       + first.newReminders.map { MigrationPlan.Key(.reminder, $0.reminder.id) })
        // Ada's address is the team's now too: already copied wins over a match.
        let again = MigrationPlan.make(copy, copied: keys, teamEmails: ["ada@example.com": 1])
        #expect(again.newContacts.isEmpty && again.links.isEmpty && again.newOutreach.isEmpty && again.newReminders.isEmpty)
        var counts = MigrationCounts()
        counts.alreadyCopied = 4
        #expect(again.counts == counts)
    }

    func event(_ id: Int64, _ uid: String, changed: String? = nil) -> NetworkingEvent {
        NetworkingEvent(id: id, uid: uid, title: uid, start: LocalDateTime("2030-03-21T19:00")!, timeZone: "Europe/Paris",
                        duration: 3600, place: nil, url: nil, details: nil, rsvpBy: nil, recurrence: nil,
                        reminders: [], occurrenceID: changed.flatMap(OccurrenceID.init(key:)))
    }

    @Test func anEventGoesWithItsRemindersUnlessTheTeamHasItsUIDOrItWasCopiedBefore() {
        func soon(_ id: Int64, event: Int64) -> PersonalStoreCopy.PendingReminder {
            PersonalStoreCopy.PendingReminder(reminder: Reminder(id: id, kind: .eventSoon, text: "r\(id)", dueAt: t0), step: nil,
                                              eventID: event, leadOffset: "-PT2H")
        }
        // 1 is new; 2 the team imported already; 3 an earlier run copied.
        let copy = PersonalStoreCopy(identity: "ns", contacts: [], outreach: [],
                                     reminders: [soon(100, event: 1), soon(101, event: 2), soon(102, event: 3)],
                                     events: [event(1, "a@x"), event(2, "b@x"), event(3, "c@x")])
        let plan = MigrationPlan.make(copy, copied: [MigrationPlan.Key(.event, 3)], teamEmails: [:],
                                      teamEvents: [MigrationPlan.eventKey("b@x", nil), MigrationPlan.eventKey("a@x", "2030-03-28T19:00:00")])
        #expect(plan.newEvents.map(\.id) == [1])  // a changed occurrence of a@x is another event
        #expect(plan.newReminders.map(\.reminder.id) == [100] && plan.newReminders[0].leadOffset == "-PT2H")
        #expect(plan.counts.events == 1 && plan.counts.eventsInTeam == 1 && plan.counts.alreadyCopied == 1)
        #expect(plan.counts.reminders == 1 && plan.counts.skippedReminders == 2)
    }
}
