import Foundation

/// The polite-timing rules as pure functions: given a reminder's source (an outreach
/// step, a meeting, an event occurrence, a contact's cadence) and the rules, when it is
/// due, when it fires, and why. No clock is read: callers pass `now`.
public enum Planner {
    // MARK: Follow-ups

    /// Step `step` of an outreach's follow-up sequence, counted from `anchor` (the send
    /// time, the previous step, or the follow-up you logged).
    ///
    /// Business days are counted on the contact's calendar day when their zone is known
    /// and land at `politeTime` there (their morning); durations are exact. Then the
    /// reminder waits for the user's delivery window — except after a wait in hours,
    /// minutes or seconds ("PT4H"), which the user meant literally.
    public static func followUp(step: Int, policy: FollowUpPolicy, anchor: Date, contactZone: TimeZone?,
                                rules: TimingRules) -> PlannedTime? {
        guard let wait = policy.wait(forStep: step) else { return nil }
        let due: Date
        var reason: String
        switch wait {
        case .businessDays(let count):
            let zone = contactZone ?? rules.userZone
            let day = rules.calendar.adding(businessDays: count, to: LocalDate(anchor, in: zone))
            due = day.at(rules.politeTime, in: zone)
            reason = "\(wait.spelledOut) after \(describeDay(anchor, rules.userZone))"
            if let contactZone, contactZone.identifier != rules.userZone.identifier {
                reason += ", " + HumanTime.theirClock(due, contactZone: contactZone, userZone: rules.userZone)
            }
        case .duration(let duration):
            due = duration.added(to: anchor, in: rules.userZone)
            reason = "\(HumanDuration.spell(duration)) after \(describeMoment(anchor, rules.userZone))"
            if wait.isClockTime {
                return PlannedTime(dueAt: due, fireAt: due, reason: reason + "; on time: a wait in hours is taken literally")
            }
        }
        return windowed(due: due, reason: reason, rules: rules)
    }

    /// The next nudge after an out-of-office that says they are back on `returnDay`:
    /// `afterReturnBusinessDays` business days later, at a polite time on their calendar,
    /// then the user's window. Nil when the nudge already comes later than that.
    public static func afterReturn(_ returnDay: LocalDate, current: PlannedTime, contactZone: TimeZone?,
                                   rules: TimingRules) -> PlannedTime? {
        let zone = contactZone ?? rules.userZone
        let day = rules.calendar.adding(businessDays: rules.afterReturnBusinessDays, to: returnDay)
        let due = day.at(rules.politeTime, in: zone)
        guard due > current.dueAt else { return nil }
        let back = HumanTime.day(returnDay.at(LocalTimeOfDay(hour: 12), in: zone), in: rules.userZone)
        return windowed(due: due, reason: "\(HumanDuration.spell(Wait.businessDays(rules.afterReturnBusinessDays))) after they are back (\(back), said their out-of-office)",
                        rules: rules)
    }

    // MARK: Keep in touch

    /// Nothing has happened with a contact since `lastInteraction`: due after `cadence`.
    public static func keepInTouch(lastInteraction: Date, cadence: Wait, rules: TimingRules) -> PlannedTime {
        let due: Date
        switch cadence {
        case .businessDays(let count):
            due = rules.calendar.adding(businessDays: count, to: LocalDate(lastInteraction, in: rules.userZone))
                .at(rules.politeTime, in: rules.userZone)
        case .duration(let duration):
            due = duration.added(to: lastInteraction, in: rules.userZone)
        }
        return windowed(due: due, reason: "\(cadence.spelledOut) since your last exchange (\(describeDay(lastInteraction, rules.userZone)))",
                        rules: rules)
    }

    // MARK: Meetings and events

    /// A reminder `offset` before `start` of a meeting or event.
    ///
    /// Whole-day offsets ("P1D", "P7D") mean that day at the window's first opening
    /// (or the nearest open day before); others are exact. A reminder within
    /// `rules.nearStart` of the start ignores the window: being late is worse.
    public static func before(start: Date, offset: ISODuration, rules: TimingRules, now: Date) -> PlannedTime {
        let exact = offset.subtracted(from: start, in: rules.userZone)
        let isWholeDays = offset.hours == 0 && offset.minutes == 0 && offset.seconds == 0
        var due = exact
        var reason = "\(HumanDuration.before(offset)) \(describeMoment(start, rules.userZone))"
        if isWholeDays, let opening = rules.window.firstStart(onOrBefore: LocalDate(exact, in: rules.userZone)), opening < start {
            due = opening
            reason += ", at the start of your day"
        }
        due = max(due, min(now, start))
        if start.timeIntervalSince(due) <= rules.nearStart {
            return PlannedTime(dueAt: due, fireAt: due, reason: reason + "; on time, close to the start")
        }
        let planned = windowed(due: due, reason: reason, rules: rules)
        // Never deferred past the start itself.
        return planned.fireAt < start ? planned : PlannedTime(dueAt: due, fireAt: due, reason: reason)
    }

    /// A lead before an all-day event (issue #12): whole days back from its day, at the
    /// start of the user's day then (the window's first opening on or before it); a lead
    /// shorter than a day means the morning of the day itself. Counting hours back from
    /// midnight would ring at 22:00 the evening before. `day` is the event's date.
    public static func beforeAllDay(day: LocalDate, offset: ISODuration, rules: TimingRules, now: Date) -> PlannedTime {
        let zone = rules.userZone
        let leadDays = Int((offset.approximateSeconds / 86_400).rounded(.down))  // PT2H: 0, the day itself
        let target = day.adding(days: -leadDays)
        let dayEnd = day.adding(days: 1).at(LocalTimeOfDay(hour: 0), in: zone)
        var due: Date
        var reason: String
        if leadDays == 0 {
            // The day itself: its first opening, else (a closed day, or no window) 09:00.
            due = rules.window.intervals(on: day).first?.start ?? day.at(LocalTimeOfDay(hour: 9), in: zone)
            reason = "the morning of the all-day event on \(HumanTime.day(dayEnd.addingTimeInterval(-1), in: zone))"
        } else {
            due = rules.window.firstStart(onOrBefore: target) ?? target.at(LocalTimeOfDay(hour: 9), in: zone)
            reason = "\(HumanDuration.before(offset)) the all-day event on \(HumanTime.day(dayEnd.addingTimeInterval(-1), in: zone)), at the start of your day"
        }
        due = max(due, min(now, dayEnd))
        return PlannedTime(dueAt: due, fireAt: due, reason: reason)
    }

    /// The next window start after `end` (thank-you notes, "log the people you met").
    public static func after(end: Date, rules: TimingRules, now: Date) -> PlannedTime {
        let due = rules.window.nextStart(after: max(end, now))
        return PlannedTime(dueAt: due, fireAt: due,
                           reason: "the next start of your day after \(describeMoment(end, rules.userZone))")
    }

    /// A deadline (RSVP by): that day at the window's first opening, never after it.
    public static func deadline(_ deadline: Date, rules: TimingRules, now: Date) -> PlannedTime {
        let opening = rules.window.firstStart(onOrBefore: LocalDate(deadline, in: rules.userZone)) ?? deadline
        let due = max(min(opening, deadline), min(now, deadline))
        return PlannedTime(dueAt: due, fireAt: due, reason: "the morning of the deadline, \(describeMoment(deadline, rules.userZone))")
    }

    // MARK: Shared

    /// Defers `due` to the delivery window and says so.
    public static func windowed(due: Date, reason: String, rules: TimingRules) -> PlannedTime {
        let fireAt = rules.window.nextOpening(atOrAfter: due)
        guard fireAt != due else { return PlannedTime(dueAt: due, fireAt: due, reason: reason) }
        return PlannedTime(dueAt: due, fireAt: fireAt,
                           reason: reason + "; moved to \(describeMoment(fireAt, rules.userZone)): delivery window")
    }

    /// "Thu 12 Nov".
    public static func describeDay(_ date: Date, _ zone: TimeZone) -> String { HumanTime.day(date, in: zone) }

    /// "Mon 16 Nov 09:00".
    public static func describeMoment(_ date: Date, _ zone: TimeZone) -> String { HumanTime.moment(date, in: zone) }

    /// `date` in `zone` with a DateFormatter pattern, English names.
    public static func format(_ date: Date, _ zone: TimeZone, _ pattern: String) -> String {
        HumanTime.format(date, zone, pattern)
    }
}
