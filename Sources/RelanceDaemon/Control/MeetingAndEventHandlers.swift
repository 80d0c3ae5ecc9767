import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Accepted meetings and networking events, with their reminders.

extension ControlService {
    /// Registers AddMeeting, ListMeetings, AddEvent and ListEvents.
    static func registerMeetingAndEventHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(AddMeeting.self, readOnly: false) { service, p in try service.addMeeting(p) }
        handlers.register(ListMeetings.self, readOnly: true) { service, _ in try service.listMeetings() }
        handlers.register(AddEvent.self, readOnly: false) { service, p in try service.addEvent(p) }
        handlers.register(ListEvents.self, readOnly: true) { service, _ in try service.listEvents() }
    }

    private func addMeeting(_ p: AddMeeting.Parameters) throws -> AddMeeting.Reply {
        let contact = try store.resolveContact(p.contact)
        if let outreachID = p.outreach { _ = try store.outreach(id: outreachID) }
        let draft = MeetingDraft(contactID: contact.id, outreachID: p.outreach, startsAt: p.at,
                                 duration: try duration(p.duration, "duration", default: ISODuration(hours: 1)),
                                 place: p.place, notes: p.notes)
        let (meeting, changes) = try store.addMeeting(draft, rules: rules, now: clock.now())
        logger.info("added meeting with \(contact.name) at \(meeting.place)", metadata: ["contact_id": "\(contact.id)"])
        let own = Set([ReminderKind.meetingPrep, .meetingLeave, .thankYou].map(\.rawValue))
        return AddMeeting.Reply(meeting: meeting.info(contactName: contact.name),
                                reminders: try reminders(changes).filter { own.contains($0.kind) })
    }

    private func listMeetings() throws -> ListMeetings.Reply {
        let names = Dictionary(uniqueKeysWithValues: try store.contacts().map { ($0.id, $0.name) })
        return ListMeetings.Reply(meetings: try store.meetings(from: clock.now()).map { $0.info(contactName: names[$0.contactID] ?? "") })
    }

    private func addEvent(_ p: AddEvent.Parameters) throws -> AddEvent.Reply {
        let zoneName = p.timeZone ?? rules.userZone.identifier
        guard let zone = TimeZone(identifier: zoneName) else {
            throw ControlError.invalidParameter("timeZone", reason: "'\(zoneName)' is not an IANA time zone")
        }
        let start = try localDateTime(p.start, "start")
        var length: TimeInterval = 2 * 3600
        if let until = p.until {
            length = try localDateTime(until, "until").instant(in: zone).timeIntervalSince(start.instant(in: zone))
            guard length > 0 else { throw ControlError.invalidParameter("until", reason: "must be after the start") }
        } else if p.duration != nil {
            let parsed = try duration(p.duration, "duration", default: ISODuration(hours: 2))
            length = parsed.added(to: start.instant(in: zone), in: zone).timeIntervalSince(start.instant(in: zone))
        }
        var recurrence: EventRecurrence?
        if p.rrule != nil || p.rdates != nil {
            recurrence = EventRecurrence(rrule: p.rrule,
                                         exdates: try (p.exdates ?? []).enumerated().map { try localDateTime($1, "exdates[\($0)]") },
                                         rdates: try (p.rdates ?? []).enumerated().map { try localDateTime($1, "rdates[\($0)]") })
        }
        let offsets = try p.reminders.map { list in
            try list.enumerated().map { index, text in try duration(text, "reminders[\(index)]", default: ISODuration()) }
        }
        let draft = EventDraft(uid: p.uid ?? "\(UUID().uuidString.lowercased())@relance", title: p.title, start: start,
                               timeZone: zone.identifier, duration: length, place: p.place, url: p.url, rsvpBy: p.rsvpBy,
                               recurrence: recurrence, reminders: offsets)
        try events.validate(draft)
        let event = try store.addEvent(draft, rules: rules, now: clock.now())
        let changes = try events.materialize(eventID: event.id, rules: rules, now: clock.now())
        logger.info("added event \(event.title)", metadata: ["event_id": "\(event.id)"])
        return AddEvent.Reply(event: try events.info(event, now: clock.now()), reminders: try reminders(changes))
    }

    private func listEvents() throws -> ListEvents.Reply {
        ListEvents.Reply(events: try store.events().map { try events.info($0, now: clock.now()) })
    }

    private func reminders(_ changes: ScheduleChanges) throws -> [ReminderInfo] {
        try changes.scheduled.compactMap { try store.reminder(id: $0.id)?.info }.sorted { $0.fireAt < $1.fireAt }
    }
}
