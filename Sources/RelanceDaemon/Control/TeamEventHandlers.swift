import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore

// Networking events on a team node: the personal daemon's methods, parameters, checks
// (`EventRequests`) and replies; the caller's team user goes, so the event's reminders are
// theirs and only they may change, skip or remove it.

extension TeamControlService {
    /// Registers AddEvent, ListEvents, UpdateEvent, RemoveEvent and SkipOccurrence.
    static func registerEventHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(AddEvent.self, readOnly: false) { call, p in try call.service.addEvent(p, by: try call.teamUser()) }
        handlers.register(ListEvents.self, readOnly: true) { call, _ in try call.service.listEvents() }
        handlers.register(UpdateEvent.self, readOnly: false) { call, p in try call.service.updateEvent(p, by: try call.teamUser()) }
        handlers.register(RemoveEvent.self, readOnly: false) { call, p in try call.service.removeEvent(p, by: try call.teamUser()) }
        handlers.register(SkipOccurrence.self, readOnly: false) { call, p in try call.service.skipOccurrence(p, by: try call.teamUser()) }
    }

    private func eventRequests(now: Date) -> EventRequests { EventRequests(now: now, userZone: zone()) }

    private func addEvent(_ p: AddEvent.Parameters, by user: String) throws -> AddEvent.Reply {
        let now = clock.now()
        let draft = try eventRequests(now: now).draft(p)
        let (added, reminders) = try store.addEvent(draft, by: user, rules: rules(), now: now, upcoming: TeamEventPlanner.upcoming(now))
        logger.info("\(user) added event \(added.event.title)", metadata: ["event_id": "\(added.event.id)"])
        return AddEvent.Reply(event: try EventPlanner.info(added.event, now: now), reminders: reminders.map(\.info),
                              timeZone: draft.timeZone)
    }

    private func listEvents() throws -> ListEvents.Reply {
        let now = clock.now()
        return ListEvents.Reply(events: try store.events().map { try EventPlanner.info($0.event, now: now) }, timeZone: zone().identifier)
    }

    private func event(_ id: Int64) throws -> NetworkingEvent {
        guard let found = try store.event(id: id) else { throw ControlError.eventNotFound(id: id) }
        return found.event
    }

    /// Only who goes may (`TeamStore.updateEvent`).
    private func updateEvent(_ p: UpdateEvent.Parameters, by user: String) throws -> UpdateEvent.Reply {
        let now = clock.now()
        let (draft, changed) = try eventRequests(now: now).draft(p, old: try event(p.event))
        let (updated, cancelled, reminders) = try store.updateEvent(id: p.event, by: user, draft, rules: rules(), now: now,
                                                                    upcoming: TeamEventPlanner.upcoming(now))
        let summary = "changed \(changed.joined(separator: ", ")); cancelled \(Corrections.count(cancelled.count, "pending reminder")), "
            + "planned \(Corrections.count(reminders.count, "reminder"))"
        logger.info("\(user) updated event \(p.event): \(summary)", metadata: ["event_id": "\(p.event)"])
        return UpdateEvent.Reply(event: try EventPlanner.info(updated.event, now: now), reminders: reminders.map(\.info),
                                 cancelledReminders: cancelled.count, summary: summary, timeZone: draft.timeZone)
    }

    /// Only who goes may (`TeamStore.removeEvent`).
    private func removeEvent(_ p: RemoveEvent.Parameters, by user: String) throws -> RemoveEvent.Reply {
        let (removed, cancelled) = try store.removeEvent(id: p.event, by: user)
        let summary = "removed; cancelled \(Corrections.count(cancelled.count, "pending reminder"))"
        logger.info("\(user) removed event \(p.event): \(summary)", metadata: ["event_id": "\(p.event)"])
        return RemoveEvent.Reply(event: try EventPlanner.info(removed.event, now: clock.now()), cancelledReminders: cancelled.count,
                                 summary: summary)
    }

    /// Only who goes may (`TeamStore.skipOccurrence`).
    private func skipOccurrence(_ p: SkipOccurrence.Parameters, by user: String) throws -> SkipOccurrence.Reply {
        let now = clock.now()
        let old = try event(p.event)
        let (at, instant) = try eventRequests(now: now).occurrence(p, of: old)
        let (skipped, cancelled, reminders) = try store.skipOccurrence(eventID: old.id, by: user, exdate: at, occurrence: instant,
                                                                       rules: rules(), now: now, upcoming: TeamEventPlanner.upcoming(now))
        let summary = "skipped \(Planner.describeMoment(instant, old.zone)); cancelled \(Corrections.count(cancelled.count, "pending reminder"))"
        logger.info("\(user): event \(old.id): \(summary)", metadata: ["event_id": "\(old.id)"])
        return SkipOccurrence.Reply(event: try EventPlanner.info(skipped.event, now: now), cancelledReminders: cancelled.count,
                                    reminders: reminders.map(\.info), summary: summary, timeZone: zone().identifier)
    }
}
