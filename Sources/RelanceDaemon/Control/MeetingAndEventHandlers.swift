import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Accepted meetings and networking events, with their reminders.

extension ControlService {
    /// Registers AddMeeting, ListMeetings, MoveMeeting, CancelMeeting, AddEvent,
    /// ListEvents, UpdateEvent, RemoveEvent and SkipOccurrence.
    static func registerMeetingAndEventHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(AddMeeting.self, readOnly: false) { service, p in try service.addMeeting(p) }
        handlers.register(ListMeetings.self, readOnly: true) { service, _ in try service.listMeetings() }
        handlers.register(MoveMeeting.self, readOnly: false) { service, p in try service.moveMeeting(p) }
        handlers.register(CancelMeeting.self, readOnly: false) { service, p in try service.cancelMeeting(p) }
        handlers.register(AddEvent.self, readOnly: false) { service, p in try service.addEvent(p) }
        handlers.register(ListEvents.self, readOnly: true) { service, _ in try service.listEvents() }
        handlers.register(UpdateEvent.self, readOnly: false) { service, p in try service.updateEvent(p) }
        handlers.register(RemoveEvent.self, readOnly: false) { service, p in try service.removeEvent(p) }
        handlers.register(SkipOccurrence.self, readOnly: false) { service, p in try service.skipOccurrence(p) }
    }

    private func addMeeting(_ p: AddMeeting.Parameters) throws -> AddMeeting.Reply {
        let contact = try store.resolveContact(p.contact)
        if let outreachID = p.outreach { _ = try store.outreach(id: outreachID) }
        let draft = MeetingDraft(contactID: contact.id, outreachID: p.outreach, startsAt: try instant(p.at, "at"),
                                 duration: try ControlParameters.duration(p.duration, "duration", default: ISODuration(hours: 1)),
                                 place: p.place, notes: p.notes)
        let (meeting, changes) = try store.addMeeting(draft, force: p.force ?? false, rules: rules, now: clock.now())
        logger.info("added meeting with \(contact.name) at \(meeting.place)", metadata: ["contact_id": "\(contact.id)"])
        let own = Set([ReminderKind.meetingPrep, .meetingLeave, .thankYou].map(\.rawValue))
        return AddMeeting.Reply(meeting: meeting.info(contactName: contact.name),
                                reminders: try reminders(changes).filter { own.contains($0.kind) }, timeZone: zoneName)
    }

    private func listMeetings() throws -> ListMeetings.Reply {
        let names = Dictionary(uniqueKeysWithValues: try store.contacts().map { ($0.id, $0.name) })
        return ListMeetings.Reply(meetings: try store.meetings(from: clock.now()).map { $0.info(contactName: names[$0.contactID] ?? "") },
                                  timeZone: zoneName)
    }

    private func moveMeeting(_ p: MoveMeeting.Parameters) throws -> MoveMeeting.Reply {
        let startsAt = try instant(p.at, "at")
        guard startsAt != nil || p.place != nil || p.duration != nil else {
            throw ControlError.invalidParameter("at", reason: "nothing to change: give at, place or duration")
        }
        let length = try p.duration.map { try ControlParameters.duration($0, "duration", default: ISODuration(hours: 1)) }
        let (meeting, cancelled, changes) = try store.moveMeeting(id: p.meeting, startsAt: startsAt, place: p.place, duration: length,
                                                                  rules: rules, now: clock.now())
        let contact = try store.contact(id: meeting.contactID)
        var summary = "moved to \(Planner.describeMoment(meeting.startsAt, rules.userZone)) at \(meeting.place)"
        summary += "; cancelled \(Corrections.count(cancelled, "pending reminder")), planned \(Corrections.count(changes.scheduled.count, "reminder"))"
        logger.info("moved meeting \(meeting.id): \(summary)", metadata: ["meeting_id": "\(meeting.id)", "contact_id": "\(contact.id)"])
        return MoveMeeting.Reply(meeting: meeting.info(contactName: contact.name), reminders: try reminders(changes),
                                 cancelledReminders: cancelled, summary: summary, timeZone: zoneName)
    }

    private func cancelMeeting(_ p: CancelMeeting.Parameters) throws -> CancelMeeting.Reply {
        let (meeting, cancelled, _) = try store.cancelMeeting(id: p.meeting)
        let name = (try? store.contact(id: meeting.contactID).name) ?? ""
        let draft = p.draft == true
            ? Corrections.cancellationDraft(contact: name, place: meeting.place, start: meeting.startsAt, zone: rules.userZone) : nil
        let summary = "removed; cancelled \(Corrections.count(cancelled, "pending reminder"))"
        logger.info("cancelled meeting \(meeting.id): \(summary)", metadata: ["meeting_id": "\(meeting.id)", "contact_id": "\(meeting.contactID)"])
        return CancelMeeting.Reply(meeting: meeting.info(contactName: name), cancelledReminders: cancelled, draft: draft,
                                   summary: summary, timeZone: zoneName)
    }

    private func addEvent(_ p: AddEvent.Parameters) throws -> AddEvent.Reply {
        let draft = try eventRequests().draft(p)
        let zoneName = draft.timeZone
        let event = try store.addEvent(draft, rules: rules, now: clock.now())
        let changes = try events.materialize(eventID: event.id, rules: rules, now: clock.now())
        logger.info("added event \(event.title)", metadata: ["event_id": "\(event.id)"])
        return AddEvent.Reply(event: try events.info(event, now: clock.now()), reminders: try reminders(changes), timeZone: zoneName)
    }

    private func listEvents() throws -> ListEvents.Reply {
        ListEvents.Reply(events: try store.events().map { try events.info($0, now: clock.now()) }, timeZone: zoneName)
    }

    private func event(_ id: Int64) throws -> NetworkingEvent {
        guard let event = try store.event(id: id) else { throw ControlError.eventNotFound(id: id) }
        return event
    }

    private func eventRequests() -> EventRequests { EventRequests(now: clock.now(), userZone: rules.userZone) }

    private func updateEvent(_ p: UpdateEvent.Parameters) throws -> UpdateEvent.Reply {
        let old = try event(p.event)
        let (draft, changed) = try eventRequests().draft(p, old: old)
        let zoneName = draft.timeZone
        let now = clock.now()
        var preview = old
        preview.title = draft.title; preview.start = draft.start; preview.timeZone = draft.timeZone
        preview.duration = draft.duration; preview.recurrence = draft.recurrence; preview.isAllDay = draft.isAllDay
        let upcoming = try events.occurrences(preview, after: now, limit: EventPlanner.lookahead)
        let (event, cancelled, changes) = try store.updateEvent(id: p.event, draft, occurrences: upcoming, rules: rules, now: now)
        let summary = "changed \(changed.joined(separator: ", ")); cancelled \(Corrections.count(cancelled, "pending reminder")), "
            + "planned \(Corrections.count(changes.scheduled.count, "reminder"))"
        logger.info("updated event \(event.id): \(summary)", metadata: ["event_id": "\(event.id)"])
        return UpdateEvent.Reply(event: try events.info(event, now: now), reminders: try reminders(changes),
                                 cancelledReminders: cancelled, summary: summary, timeZone: zoneName)
    }

    private func removeEvent(_ p: RemoveEvent.Parameters) throws -> RemoveEvent.Reply {
        let (event, cancelled, _) = try store.removeEvent(id: p.event)
        let summary = "removed; cancelled \(Corrections.count(cancelled, "pending reminder"))"
        logger.info("removed event \(event.id): \(summary)", metadata: ["event_id": "\(event.id)"])
        return RemoveEvent.Reply(event: try events.info(event, now: clock.now()), cancelledReminders: cancelled, summary: summary)
    }

    private func skipOccurrence(_ p: SkipOccurrence.Parameters) throws -> SkipOccurrence.Reply {
        let old = try event(p.event)
        let (at, instant) = try eventRequests().occurrence(p, of: old)
        let now = clock.now()
        var preview = old
        preview.recurrence?.exdates.append(at)
        let upcoming = try events.occurrences(preview, after: now, limit: EventPlanner.lookahead)
        let (event, cancelled, changes) = try store.skipOccurrence(eventID: old.id, exdate: at, occurrence: instant,
                                                                   occurrences: upcoming, rules: rules, now: now)
        let summary = "skipped \(Planner.describeMoment(instant, old.zone)); cancelled \(Corrections.count(cancelled, "pending reminder"))"
        logger.info("event \(event.id): \(summary)", metadata: ["event_id": "\(event.id)"])
        return SkipOccurrence.Reply(event: try events.info(event, now: now), cancelledReminders: cancelled,
                                    reminders: try reminders(changes), summary: summary, timeZone: zoneName)
    }

    private func reminders(_ changes: ScheduleChanges) throws -> [ReminderInfo] {
        try changes.scheduled.compactMap { try store.reminder(id: $0.id)?.info }.sorted { $0.fireAt < $1.fireAt }
    }
}
