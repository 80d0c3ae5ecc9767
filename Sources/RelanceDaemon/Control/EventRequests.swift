import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol

/// Reads the event methods' parameters (AddEvent, UpdateEvent, SkipOccurrence) into what
/// a store writes, with the same checks and the same errors on the personal daemon and
/// on a team node: only the store differs.
struct EventRequests {
    let now: Date
    /// Where an event without a time zone is, and where relative times are read.
    let userZone: TimeZone

    /// An AddEvent call's event, checked (a recurrence libical cannot read is refused).
    func draft(_ p: AddEvent.Parameters) throws -> EventDraft {
        let zone = try Self.zone(p.timeZone ?? userZone.identifier)
        let allDay = p.allDay == true
        // A whole-day event's times are days: midnight of the date given.
        let day = { (text: String, parameter: String) throws -> LocalDateTime in
            let value = try self.localDateTime(text, parameter, in: zone)
            return allDay ? LocalDateTime(date: value.date, time: LocalTimeOfDay(hour: 0)) : value
        }
        let start = try day(p.start, "start")
        var length: TimeInterval = 2 * 3600
        if allDay, let until = p.until {
            // The last day it lasts, so it ends at the next midnight.
            let end = LocalDateTime(date: try day(until, "until").date.adding(days: 1), time: LocalTimeOfDay(hour: 0))
            length = end.instant(in: zone).timeIntervalSince(start.instant(in: zone))
            guard length > 0 else { throw ControlError.invalidParameter("until", reason: "must be the first day or after it") }
        } else if allDay && p.duration == nil {
            length = ISODuration(days: 1).added(to: start.instant(in: zone), in: zone).timeIntervalSince(start.instant(in: zone))
        } else if let until = p.until {
            length = try localDateTime(until, "until", in: zone).instant(in: zone).timeIntervalSince(start.instant(in: zone))
            guard length > 0 else { throw ControlError.invalidParameter("until", reason: "must be after the start") }
        } else if p.duration != nil {
            let parsed = try ControlParameters.duration(p.duration, "duration", default: ISODuration(hours: 2))
            length = parsed.added(to: start.instant(in: zone), in: zone).timeIntervalSince(start.instant(in: zone))
        }
        var recurrence: EventRecurrence?
        if p.rrule != nil || p.rdates != nil {
            recurrence = EventRecurrence(rrule: p.rrule,
                                         exdates: try (p.exdates ?? []).enumerated().map { try day($1, "exdates[\($0)]") },
                                         rdates: try (p.rdates ?? []).enumerated().map { try day($1, "rdates[\($0)]") })
        }
        let draft = EventDraft(uid: p.uid ?? "\(UUID().uuidString.lowercased())@relance", title: p.title, start: start,
                               timeZone: zone.identifier, duration: length, place: p.place, url: p.url,
                               rsvpBy: try instant(p.rsvpBy, "rsvpBy", in: zone), recurrence: recurrence,
                               reminders: try Self.leads(p.reminders), isAllDay: allDay)
        try EventPlanner.validate(draft)
        return draft
    }

    /// An UpdateEvent call's new event (`old` with what it changes), checked, and the
    /// names of what it changes for the summary.
    func draft(_ p: UpdateEvent.Parameters, old: NetworkingEvent) throws -> (EventDraft, changed: [String]) {
        var changed: [String] = []
        func note(_ name: String, _ given: Any?) { if given != nil { changed.append(name) } }
        note("title", p.title); note("start", p.start); note("time zone", p.timeZone); note("duration", p.duration)
        note("place", p.place); note("url", p.url); note("RSVP deadline", p.rsvpBy); note("rrule", p.rrule)
        note("exdates", p.exdates); note("rdates", p.rdates); note("reminders", p.reminders)
        guard !changed.isEmpty else { throw ControlError.invalidParameter("event", reason: "nothing to change") }
        let zone = try Self.zone(p.timeZone ?? old.timeZone)
        let start = try p.start.map { try localDateTime($0, "start", in: zone) } ?? old.start
        var length = old.duration
        if p.duration != nil {
            let parsed = try ControlParameters.duration(p.duration, "duration", default: ISODuration(hours: 2))
            length = parsed.added(to: start.instant(in: zone), in: zone).timeIntervalSince(start.instant(in: zone))
        }
        let rrule = Self.cleared(p.rrule, keeping: old.recurrence?.rrule)
        let exdates = try p.exdates.map { try $0.enumerated().map { try localDateTime($1, "exdates[\($0)]", in: zone) } } ?? old.recurrence?.exdates ?? []
        let rdates = try p.rdates.map { try $0.enumerated().map { try localDateTime($1, "rdates[\($0)]", in: zone) } } ?? old.recurrence?.rdates ?? []
        let recurrence = rrule != nil || !rdates.isEmpty ? EventRecurrence(rrule: rrule, exdates: exdates, rdates: rdates) : nil
        let draft = EventDraft(uid: old.uid, title: p.title ?? old.title, start: start, timeZone: zone.identifier, duration: length,
                               place: Self.cleared(p.place, keeping: old.place), url: Self.cleared(p.url, keeping: old.url),
                               details: old.details, rsvpBy: try instant(p.rsvpBy, "rsvpBy", in: zone) ?? old.rsvpBy,
                               recurrence: recurrence, reminders: try Self.leads(p.reminders) ?? old.reminders,
                               // An all-day event stays one while it starts at midnight (a new day).
                               isAllDay: old.isAllDay && start.time == LocalTimeOfDay(hour: 0))
        try EventPlanner.validate(draft)
        return (draft, changed)
    }

    /// The occurrence a SkipOccurrence call names: its wall-clock start and its instant;
    /// refused unless `old` repeats and has a future occurrence starting then.
    func occurrence(_ p: SkipOccurrence.Parameters, of old: NetworkingEvent) throws -> (exdate: LocalDateTime, instant: Date) {
        let at = try localDateTime(p.at, "at", in: old.zone)
        guard let recurrence = old.recurrence, recurrence.rrule != nil || !recurrence.rdates.isEmpty else {
            throw ControlError.invalidParameter("event", reason: "event \(old.id) does not repeat: remove it instead")
        }
        let instant = at.instant(in: old.zone)
        guard instant > now else { throw ControlError.invalidParameter("at", reason: "that occurrence is past") }
        let found = try EventPlanner.occurrences(old, after: instant.addingTimeInterval(-1), limit: 1).first
        guard found == instant else {
            throw StoreError.occurrenceNotFound(eventID: old.id, at: at.description,
                                                next: found.map { LocalDateTime($0, in: old.zone).description })
        }
        return (at, instant)
    }

    /// An event's wall-clock parameter: "2026-12-10T19:00" (or with a space), or a time
    /// as a person types it ("friday 19:00"), read in the event's `zone`.
    func localDateTime(_ text: String, _ parameter: String, in zone: TimeZone) throws -> LocalDateTime {
        if let value = LocalDateTime(text) { return value }
        do {
            return LocalDateTime(try WhenExpression.parse(text, now: now, timeZone: zone), in: zone)
        } catch {
            throw ControlError.invalidParameter(parameter, reason: "\(error)")
        }
    }

    private func instant(_ text: String?, _ parameter: String, in zone: TimeZone) throws -> Date? {
        guard let text else { return nil }
        if let date = JSONCoding.parseDate(text) { return date }
        do {
            return try WhenExpression.parse(text, now: now, timeZone: zone)
        } catch {
            throw ControlError.invalidParameter(parameter, reason: "\(error)")
        }
    }

    private static func zone(_ name: String) throws -> TimeZone {
        guard let zone = TimeZone(identifier: name) else {
            throw ControlError.invalidParameter("timeZone", reason: "'\(name)' is not an IANA time zone")
        }
        return zone
    }

    private static func leads(_ list: [String]?) throws -> [ISODuration]? {
        try list.map { list in
            guard list.count <= EventReminders.maximumLeads else {
                throw ControlError.invalidParameter("reminders", reason: "at most \(EventReminders.maximumLeads) reminders per event")
            }
            return try list.enumerated().map { index, text in try ControlParameters.duration(text, "reminders[\(index)]", default: ISODuration()) }
        }
    }

    /// An empty text clears an optional field; nil keeps it.
    private static func cleared(_ text: String?, keeping old: String?) -> String? {
        guard let text else { return old }
        return text.trimmingCharacters(in: .whitespaces).isEmpty ? nil : text
    }
}
