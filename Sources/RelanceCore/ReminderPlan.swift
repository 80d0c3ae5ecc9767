import Foundation

/// A reminder a rule asks for: its kind, its words, and when it fires. The store
/// inserts it with the links it knows (contact, meeting, event).
public struct ReminderPlan: Sendable, Equatable {
    public var kind: ReminderKind
    public var text: String
    public var planned: PlannedTime
    /// An event reminder's lead: an ISO 8601 duration before the start, or "after".
    public var offset: String?

    public init(kind: ReminderKind, text: String, planned: PlannedTime, offset: String? = nil) {
        self.kind = kind; self.text = text; self.planned = planned; self.offset = offset
    }
}

/// Which reminders a meeting gets: the day before (prepare; confirm), before leaving,
/// and the thank-you note after it ends. A lead that would fire after the start (the
/// meeting was added late) is left out.
public enum MeetingReminders {
    public static let kinds: [ReminderKind] = [.meetingPrep, .meetingLeave, .thankYou]

    public static func plan(contact: String, place: String, startsAt: Date, endsAt: Date, rules: TimingRules,
                            now: Date) -> [ReminderPlan] {
        kinds.filter { $0 != .thankYou || rules.thankYouNote }.compactMap { kind in
            guard let planned = time(kind, startsAt: startsAt, endsAt: endsAt, rules: rules, now: now),
                  kind == .thankYou || planned.fireAt < startsAt else { return nil }
            let zone = rules.userZone
            let text = switch kind {
            case .meetingPrep: ReminderText.meetingPrep(contact: contact, place: place, start: startsAt, zone: zone)
            case .meetingLeave: ReminderText.meetingLeave(contact: contact, place: place, start: startsAt, zone: zone)
            default: ReminderText.thankYou(contact: contact, start: startsAt, zone: zone)
            }
            return ReminderPlan(kind: kind, text: text, planned: planned)
        }
    }

    /// When a meeting reminder of `kind` fires (also used to re-plan under new rules).
    public static func time(_ kind: ReminderKind, startsAt: Date, endsAt: Date, rules: TimingRules, now: Date) -> PlannedTime? {
        switch kind {
        case .meetingPrep: Planner.before(start: startsAt, offset: ISODuration(days: 1), rules: rules, now: now)
        case .meetingLeave: Planner.before(start: startsAt, offset: rules.meetingLeaveLead, rules: rules, now: now)
        case .thankYou: Planner.after(end: endsAt, rules: rules, now: now)
        default: nil
        }
    }
}

/// Which reminders one occurrence of a networking event gets: one per lead before the
/// start, the first (longest, two days or more) being the RSVP prompt, moved to the
/// RSVP deadline when there is one; and the next morning, "log the people you met".
/// Leads already past are left out.
public enum EventReminders {
    /// The most leads an event has: a calendar file with a hundred thousand alarms on one
    /// event must not make a hundred thousand reminders per occurrence.
    public static let maximumLeads = 10

    /// The leads an imported event keeps: distinct ones, longest first, at most
    /// `maximumLeads`.
    public static func boundedLeads(_ leads: [ISODuration]) -> [ISODuration] {
        var seen: Set<ISODuration> = []
        let distinct = leads.filter { seen.insert($0).inserted }
        return Array(distinct.sorted { $0.approximateSeconds > $1.approximateSeconds }.prefix(maximumLeads))
    }

    /// - Parameter allDay: a whole-day event (its `occurrence` is midnight of its day in
    ///   the user's zone): leads count whole days back to the start of the user's day, and
    ///   the texts say "all day" rather than 00:00.
    public static func plan(title: String, place: String?, occurrence: Date, duration: TimeInterval, rsvpBy: Date?,
                            leads: [ISODuration], rules: TimingRules, now: Date, allDay: Bool = false) -> [ReminderPlan] {
        var offsets: [(ReminderKind, String)] = leads.enumerated().map { index, lead in
            (index == 0 && lead.days + lead.weeks * 7 >= 2 ? .eventRSVP : .eventSoon, lead.description)
        }
        if rules.eventLogPeople { offsets.append((.eventLogPeople, "after")) }
        let zone = rules.userZone
        return offsets.compactMap { kind, offset in
            guard let planned = time(kind, offset: offset, occurrence: occurrence, duration: duration, rsvpBy: rsvpBy,
                                     rules: rules, now: now, allDay: allDay),
                  planned.fireAt >= now || kind == .eventLogPeople else { return nil }
            let text = switch kind {
            case .eventRSVP: ReminderText.eventRSVP(title: title, start: occurrence, place: place, zone: zone, allDay: allDay)
            case .eventLogPeople: ReminderText.eventLogPeople(title: title)
            default: ReminderText.eventSoon(title: title, start: occurrence, place: place, zone: zone, allDay: allDay)
            }
            return ReminderPlan(kind: kind, text: text, planned: planned, offset: offset)
        }
    }

    /// When an event reminder fires (also used to re-plan under new rules).
    public static func time(_ kind: ReminderKind, offset: String?, occurrence: Date, duration: TimeInterval, rsvpBy: Date?,
                            rules: TimingRules, now: Date, allDay: Bool = false) -> PlannedTime? {
        if kind == .eventLogPeople {
            return Planner.after(end: occurrence.addingTimeInterval(duration), rules: rules, now: now)
        }
        guard let offset, let lead = try? ISODuration(parsing: offset) else { return nil }
        if kind == .eventRSVP, let rsvpBy, rsvpBy < occurrence {
            return Planner.deadline(rsvpBy, rules: rules, now: now)
        }
        if allDay {
            return Planner.beforeAllDay(day: LocalDate(occurrence, in: rules.userZone), offset: lead, rules: rules, now: now)
        }
        return Planner.before(start: occurrence, offset: lead, rules: rules, now: now)
    }
}
