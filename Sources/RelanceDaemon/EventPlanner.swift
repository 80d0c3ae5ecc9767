import Foundation
import Logging
import RelanceAPI
import RelanceCalendar
import RelanceCore
import RelanceStore

/// Keeps the reminders of each event's next occurrences materialised: a weekly event
/// forever costs a handful of rows, not one per week. Occurrences are expanded with
/// libical (RFC 5545) in the event's wall clock.
public struct EventPlanner: Sendable {
    public init(store: AppDatabase) { self.store = store }

    let store: AppDatabase
    /// How many upcoming occurrences carry reminders.
    static let lookahead = 2

    /// Rejects a recurrence libical cannot read, with its explanation.
    func validate(_ draft: EventDraft) throws { try Self.validate(draft) }

    /// The next `limit` occurrence starts after `after`.
    func occurrences(_ event: NetworkingEvent, after: Date, limit: Int) throws -> [Date] {
        try Self.occurrences(event, after: after, limit: limit)
    }

    func info(_ event: NetworkingEvent, now: Date) throws -> EventInfo { try Self.info(event, now: now) }

    // The rules without a store, which a team node shares.

    static func validate(_ draft: EventDraft) throws {
        guard let rrule = draft.recurrence?.rrule else { return }
        do {
            try RecurrenceExpander.validate(rrule: rrule)
        } catch {
            throw ControlError.invalidParameter("rrule", reason: "\(error)")
        }
    }

    static func occurrences(_ event: NetworkingEvent, after: Date, limit: Int) throws -> [Date] {
        guard let recurrence = event.recurrence else {
            return event.firstStart > after ? [event.firstStart] : []
        }
        return try RecurrenceExpander.occurrences(
            start: event.start, zone: event.zone,
            recurrence: Recurrence(rrule: recurrence.rrule, exdates: recurrence.exdates, rdates: recurrence.rdates),
            after: after, limit: limit)
    }

    /// Schedules reminders for the event's next occurrences that have none yet.
    func materialize(eventID: Int64, rules: TimingRules, now: Date) throws -> ScheduleChanges {
        guard let event = try store.event(id: eventID) else { return ScheduleChanges() }
        let upcoming = try occurrences(event, after: now, limit: Self.lookahead)
        return try store.materialize(eventID: eventID, occurrences: upcoming, rules: rules, now: now)
    }

    /// The same for several events; a failure is logged and does not stop the others
    /// (the firing path hands fired events here, the control path imports and restores).
    func materialize(_ ids: Set<Int64>, rules: TimingRules, now: Date, logger: Logger) {
        for id in ids.sorted() {
            do {
                _ = try materialize(eventID: id, rules: rules, now: now)
            } catch {
                logger.error("could not schedule the next occurrences of event \(id): \(error)", metadata: ["event_id": "\(id)"])
            }
        }
    }

    static func info(_ event: NetworkingEvent, now: Date) throws -> EventInfo {
        let duration = ISODuration(seconds: event.duration.rounded())
        return EventInfo(id: event.id, uid: event.uid, title: event.title, start: event.start.description,
                         timeZone: event.timeZone, duration: normalized(duration).description, place: event.place,
                         url: event.url, rsvpBy: event.rsvpBy, rrule: event.recurrence?.rrule,
                         exdates: event.recurrence?.exdates.map(\.description) ?? [],
                         rdates: event.recurrence?.rdates.map(\.description) ?? [],
                         reminders: event.reminders.map(\.description),
                         nextOccurrences: try occurrences(event, after: now, limit: 3),
                         allDay: event.isAllDay ? true : nil)
    }

    /// PT7200S → PT2H.
    private static func normalized(_ duration: ISODuration) -> ISODuration {
        let total = Int(duration.seconds)
        return ISODuration(hours: total / 3600, minutes: (total % 3600) / 60, seconds: Double(total % 60))
    }
}
