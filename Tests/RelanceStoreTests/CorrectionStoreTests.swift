import Foundation
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

/// Day two: correcting, cancelling and removing, one transaction each (issue #10).
@Suite struct CorrectionStoreTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    var rules: TimingRules { TimingRules(userZone: paris) }
    /// Thursday 12 Nov 2026, 10:00 in Paris.
    let sent = instant("2026-11-12T09:00:00Z")

    func setUp() throws -> (AppDatabase, Contact) {
        let db = try AppDatabase.inMemory()
        let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace"), now: sent)
        return (db, ada)
    }

    func snapshot(_ db: AppDatabase) throws -> Data { try db.snapshot(createdAt: sent) }

    // MARK: Reminders

    @Test func aCancelledReminderNeverFiresAndItsSequenceStops() throws {
        let (db, ada) = try setUp()
        let (_, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                               policy: .standard, rules: rules)
        let (cancelled, changes) = try db.cancelReminder(id: first!.id)
        #expect(cancelled.state == .cancelled)
        #expect(changes.cancelled == [first!.id])
        #expect(try db.upcoming(limit: 5).isEmpty)
        let firing = try db.fireDue(at: first!.fireAt.addingTimeInterval(1), late: false, rules: rules)
        #expect(firing.items.isEmpty)
        #expect(throws: StoreError.reminderNotPending(id: first!.id, state: "cancelled")) { try db.cancelReminder(id: first!.id) }
        #expect(throws: StoreError.reminderNotFound(id: 99)) { try db.cancelReminder(id: 99) }
    }

    @Test func aMovedReminderFiresThenAndAReloadLeavesItThere() throws {
        let (db, ada) = try setUp()
        let (_, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                               policy: .standard, rules: rules)
        let target = instant("2026-11-20T16:15:00Z")
        let (moved, changes) = try db.moveReminder(id: first!.id, to: target, rules: rules, now: sent)
        #expect(moved.fireAt == target && moved.dueAt == target)
        #expect(moved.reason == "moved by you from Mon 23 Nov 09:30")
        #expect(changes.scheduled == [ScheduledReminder(id: first!.id, due: target)])
        var later = rules
        later.window.hours[.monday] = [ClockRange("11:00-18:00")!]
        #expect(try db.replan(rules: later, now: sent).isEmpty)
        #expect(try db.reminder(id: first!.id)?.fireAt == target)
        // The sequence goes on from the moved time: nudge 2 counts from Fri 20 Nov.
        _ = try db.fireDue(at: target, late: false, rules: rules)
        #expect(try db.upcoming(limit: 1).first?.reason.hasPrefix("10 business days after Fri 20 Nov") == true)
    }

    @Test func aReminderCannotMoveIntoThePast() throws {
        let (db, _) = try setUp()
        let (reminder, _) = try db.addReminder(text: "Call", dueAt: instant("2026-11-20T08:00:00Z"), contactID: nil)
        let before = try snapshot(db)
        #expect(throws: ValidationError.self) { try db.moveReminder(id: reminder.id, to: sent, rules: rules, now: sent) }
        #expect(throws: StoreError.reminderNotFound(id: 42)) {
            try db.moveReminder(id: 42, to: instant("2026-12-01T08:00:00Z"), rules: rules, now: sent)
        }
        #expect(try snapshot(db) == before)
    }

    // MARK: Outreach

    @Test func aNewSentTimeReplansThePendingStepFromIt() throws {
        let (db, ada) = try setUp()
        let (outreach, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                                      policy: .standard, rules: rules)
        let friday = instant("2026-11-13T09:00:00Z")
        let result = try db.updateOutreach(outreachID: outreach.id, edit: OutreachEdit(ask: "a coffee chat", sentAt: friday),
                                           rules: rules)
        #expect(result.outreach.sentAt == friday && result.outreach.ask == "a coffee chat")
        #expect(result.cancelled == 1)
        #expect(try db.reminder(id: first!.id)?.state == .cancelled)
        // Fri 13 Nov + 7 business days = Tue 24 Nov, 09:30 Paris.
        #expect(result.next?.fireAt == instant("2026-11-24T08:30:00Z"))
        #expect(result.next?.text.contains("a coffee chat on 13 Nov 2026") == true)
        #expect(try db.upcoming(limit: 5).map(\.id) == [result.next!.id])
    }

    @Test func aShorterSequenceKeepsTheStepOrLetsGo() throws {
        let (db, ada) = try setUp()
        let (outreach, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                                      policy: .standard, rules: rules)
        _ = try db.fireDue(at: first!.fireAt, late: false, rules: rules)  // nudge 1 fired; nudge 2 pending
        let oneNudge = FollowUpPolicy(nudges: [.businessDays(7)], letGo: .businessDays(5))
        let result = try db.updateOutreach(outreachID: outreach.id, edit: OutreachEdit(policy: oneNudge), rules: rules)
        #expect(result.next?.kind == .letGo)
        // Counted from the fired nudge's due time, Mon 23 Nov: + 5 business days = Mon 30 Nov.
        #expect(result.next?.dueAt == instant("2026-11-30T08:30:00Z"))
        let never = FollowUpPolicy(nudges: [.businessDays(7)], letGo: nil)
        let ended = try db.updateOutreach(outreachID: outreach.id, edit: OutreachEdit(policy: never), rules: rules)
        #expect(ended.next == nil && ended.cancelled == 1)
        #expect(try db.upcoming(limit: 5).isEmpty)
    }

    @Test func aWithdrawnOutreachStaysButNudgesNoMore() throws {
        let (db, ada) = try setUp()
        let (outreach, _, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                                  policy: .standard, rules: rules)
        let result = try db.cancelOutreach(outreachID: outreach.id, at: sent)
        #expect(result.outreach.status == .withdrawn && result.cancelled == 1)
        #expect(try db.upcoming(limit: 5).isEmpty)
        #expect(try db.outreaches(status: .withdrawn).map(\.id) == [outreach.id])
        let before = try snapshot(db)
        #expect(throws: StoreError.self) { try db.cancelOutreach(outreachID: outreach.id, at: sent) }
        #expect(throws: StoreError.outreachNotFound(id: 7)) { try db.cancelOutreach(outreachID: 7, at: sent) }
        #expect(throws: ValidationError.self) {
            try db.updateOutreach(outreachID: outreach.id, edit: OutreachEdit(ask: "two\nlines"), rules: rules)
        }
        #expect(try snapshot(db) == before)
    }

    // MARK: Meetings

    func meeting(_ db: AppDatabase, _ ada: Contact, force: Bool = false) throws -> Meeting {
        let start = LocalDateTime("2026-12-03T10:00")!.instant(in: paris)
        return try db.addMeeting(MeetingDraft(contactID: ada.id, startsAt: start, duration: ISODuration(minutes: 45),
                                              place: "Café Olimpico"), force: force, rules: rules, now: sent).0
    }

    @Test func movingAMeetingReplansItsThreeReminders() throws {
        let (db, ada) = try setUp()
        let original = try meeting(db, ada)
        let old = try db.upcoming(limit: 10)
        let friday = LocalDateTime("2026-12-04T15:00")!.instant(in: paris)
        let (moved, cancelled, changes) = try db.moveMeeting(id: original.id, startsAt: friday, place: "Café Kitsuné",
                                                             duration: nil, rules: rules, now: sent)
        #expect(moved.startsAt == friday && moved.place == "Café Kitsuné")
        #expect(moved.endsAt == friday.addingTimeInterval(45 * 60))
        #expect(cancelled == 3 && changes.scheduled.count == 3)
        let now = try db.upcoming(limit: 10)
        #expect(Set(now.map(\.id)).isDisjoint(with: old.map(\.id)))
        #expect(now.map(\.kind) == [.meetingPrep, .meetingLeave, .thankYou])
        #expect(now[1].text == "Leave for Café Kitsuné: meeting with Ada Lovelace at 15:00")
        #expect(throws: StoreError.meetingNotFound(id: 9)) {
            try db.moveMeeting(id: 9, startsAt: friday, place: nil, duration: nil, rules: rules, now: sent)
        }
    }

    @Test func aCancelledMeetingIsRemovedAndItsRemindersCancelled() throws {
        let (db, ada) = try setUp()
        let original = try meeting(db, ada)
        let ids = try db.upcoming(limit: 10).map(\.id)
        let (gone, cancelled, changes) = try db.cancelMeeting(id: original.id)
        #expect(gone == original && cancelled == 3 && changes.cancelled == ids)
        #expect(try db.upcoming(limit: 10).isEmpty)
        #expect(try db.meetings(from: sent).isEmpty)
        #expect(try ids.allSatisfy { try db.reminder(id: $0)?.state == .cancelled })
        #expect(throws: StoreError.meetingNotFound(id: original.id)) { try db.cancelMeeting(id: original.id) }
    }

    @Test func theSameMeetingTwiceIsRefusedUnlessForced() throws {
        let (db, ada) = try setUp()
        let first = try meeting(db, ada)
        let before = try snapshot(db)
        #expect(throws: StoreError.duplicateMeeting(id: first.id, startsAt: first.startsAt)) { try meeting(db, ada) }
        #expect(try snapshot(db) == before)
        let second = try meeting(db, ada, force: true)
        #expect(second.id != first.id)
    }

    @Test func aRefusedMoveChangesNothing() throws {
        let (db, ada) = try setUp()
        let original = try meeting(db, ada)
        let before = try snapshot(db)
        #expect(throws: ValidationError.self) {
            try db.moveMeeting(id: original.id, startsAt: nil, place: "  ", duration: nil, rules: rules, now: sent)
        }
        #expect(try snapshot(db) == before)
    }

    // MARK: Events

    /// A weekly Thursday 19:00 event with its first two occurrences materialised.
    func weekly(_ db: AppDatabase) throws -> (NetworkingEvent, [Date]) {
        let event = try db.addEvent(EventDraft(uid: "drinks@relance", title: "Startup drinks", start: LocalDateTime("2026-12-10T19:00")!,
                                               timeZone: "Europe/Paris", duration: 7200, recurrence: EventRecurrence(rrule: "FREQ=WEEKLY"),
                                               reminders: [ISODuration(days: 1)]),
                                    rules: rules, now: sent)
        let starts = ["2026-12-10T19:00", "2026-12-17T19:00", "2026-12-24T19:00"].map { LocalDateTime($0)!.instant(in: paris) }
        _ = try db.materialize(eventID: event.id, occurrences: Array(starts.prefix(2)), rules: rules, now: sent)
        return (event, starts)
    }

    @Test func skippingAnOccurrenceCancelsOnlyItsReminders() throws {
        let (db, _) = try setUp()
        let (event, starts) = try weekly(db)
        let (skipped, cancelled, changes) = try db.skipOccurrence(eventID: event.id, exdate: LocalDateTime("2026-12-10T19:00")!,
                                                                  occurrence: starts[0], occurrences: [starts[1], starts[2]],
                                                                  rules: rules, now: sent)
        #expect(skipped.recurrence?.exdates == [LocalDateTime("2026-12-10T19:00")!])
        #expect(cancelled == 2)  // the day before, and "log the people you met"
        #expect(changes.scheduled.count == 2)  // the 24th joins the look-ahead; the 17th is untouched
        #expect(try db.materializedOccurrences(eventID: event.id) == Set(starts))
        let pending = try db.upcoming(limit: 10)
        #expect(pending.count == 4)
        #expect(!pending.contains { $0.text.contains("10 Dec") })
    }

    @Test func editingAnEventReplansItsFutureOccurrences() throws {
        let (db, _) = try setUp()
        let (event, starts) = try weekly(db)
        var draft = EventDraft(uid: event.uid, title: "Founders' drinks", start: LocalDateTime("2026-12-10T19:30")!,
                               timeZone: "Europe/Paris", duration: 7200, place: "Station F",
                               recurrence: EventRecurrence(rrule: "FREQ=WEEKLY"), reminders: [ISODuration(days: 1)])
        let later = starts.prefix(2).map { $0.addingTimeInterval(1800) }
        let (updated, cancelled, changes) = try db.updateEvent(id: event.id, draft, occurrences: later, rules: rules, now: sent)
        #expect(updated.title == "Founders' drinks" && updated.place == "Station F")
        #expect(cancelled == 4 && changes.scheduled.count == 4)
        #expect(try db.upcoming(limit: 10).filter { $0.kind == .eventSoon }.allSatisfy { $0.text.hasPrefix("Founders' drinks") })
        draft.title = "  "
        let before = try snapshot(db)
        #expect(throws: ValidationError.self) { try db.updateEvent(id: event.id, draft, occurrences: later, rules: rules, now: sent) }
        #expect(throws: StoreError.eventNotFound(id: 5)) {
            try db.updateEvent(id: 5, EventDraft(uid: "x", title: "x", start: draft.start, timeZone: "UTC", duration: 60),
                               occurrences: [], rules: rules, now: sent)
        }
        #expect(try snapshot(db) == before)
    }

    @Test func aRemovedEventLeavesNoPendingReminders() throws {
        let (db, _) = try setUp()
        let (event, _) = try weekly(db)
        let (removed, cancelled, _) = try db.removeEvent(id: event.id)
        #expect(removed.id == event.id && cancelled == 4)
        #expect(try db.upcoming(limit: 10).isEmpty)
        #expect(try db.events().isEmpty)
        #expect(throws: StoreError.eventNotFound(id: event.id)) { try db.removeEvent(id: event.id) }
    }
}
