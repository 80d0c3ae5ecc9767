import CICal
import Foundation
import RelanceCore

/// Turns a recurring event into the instants it starts at, expanding in the wall-clock
/// time of the event's zone with libical.
///
/// Expanding in wall-clock time is what keeps "every Tuesday at 19:00 in Paris" at 19:00
/// after a daylight-saving change: libical sees a floating DTSTART, generates floating
/// occurrences, and each becomes an instant only at the end (`LocalDateTime.instant(in:)`:
/// a time skipped by spring-forward moves later by the gap; a repeated one is the first).
public enum RecurrenceExpander {
    /// The start instants of the occurrences strictly after `after`, at most `limit` of
    /// them, in time order.
    ///
    /// - Parameters:
    ///   - start: DTSTART, a wall-clock time in `zone`; it is always the first occurrence
    ///     (RFC 5545 §3.8.5.3), even when it does not match the rule.
    ///   - zone: the event's IANA zone.
    ///   - recurrence: the rule, and the wall-clock dates removed (EXDATE) or added (RDATE).
    ///   - after: only occurrences starting strictly later are returned.
    ///   - limit: the most occurrences to return.
    /// - Throws: `CalendarError` with `.invalidRecurrenceRule` for a bad rule, or
    ///   `.expansionLimitReached` when reaching `after` from `start` takes more than
    ///   100 000 libical steps.
    public static func occurrences(start: LocalDateTime, zone: TimeZone, recurrence: Recurrence,
                                   after: Date, limit: Int) throws -> [Date] {
        try occurrences(start: start, zone: zone, recurrence: recurrence, after: after, limit: limit,
                        stepBudget: OccurrenceWalker.stepBudget)
    }

    /// The same with another step budget (tests check the budget with a small one).
    static func occurrences(start: LocalDateTime, zone: TimeZone, recurrence: Recurrence,
                            after: Date, limit: Int, stepBudget: Int) throws -> [Date] {
        guard limit > 0 else { return [] }
        return try Libical.serialized {
            try expand(start: start, zone: zone, recurrence: recurrence, after: after, limit: limit, budget: stepBudget)
        }
    }

    private static func expand(start: LocalDateTime, zone: TimeZone, recurrence: Recurrence,
                               after: Date, limit: Int, budget: Int) throws -> [Date] {
        let walker = try OccurrenceWalker(start: start, recurrence: recurrence, zone: zone, budget: budget)
        var found: [Date] = []
        // Wall-clock and instant order agree except inside a spring-forward gap, where a
        // skipped time moves later by the gap (at most a day, Samoa 2011). So once `limit`
        // occurrences are found, two more wall-clock days cannot hold an earlier one.
        var horizon: LocalDateTime?
        // Occurrences more than two wall-clock days before `after` cannot follow it, so
        // they skip the (comparatively slow) Foundation conversion.
        let afterLocal = LocalDateTime(after, in: zone)
        let surelyBefore = LocalDateTime(date: afterLocal.date.adding(days: -2), time: afterLocal.time)
        while true {
            let next: LocalDateTime?
            do {
                next = try walker.next()
            } catch let error as CalendarError where error.code == .expansionLimitReached && horizon != nil {
                break
            }
            guard let local = next else { break }
            if let horizon, local > horizon { break }
            if local < surelyBefore { continue }
            let instant = local.instant(in: zone)
            guard instant > after else { continue }
            found.append(instant)
            if found.count == limit, horizon == nil {
                horizon = LocalDateTime(date: local.date.adding(days: 2), time: local.time)
            }
        }
        var unique: [Date] = []
        for instant in found.sorted() where unique.last != instant { unique.append(instant) }
        return Array(unique.prefix(limit))
    }

    /// Checks an RRULE value (without the "RRULE:" prefix) the way `occurrences` reads it.
    ///
    /// - Throws: `CalendarError` with code `.invalidRecurrenceRule` and a message naming the
    ///   faulty part and giving an example, e.g. "'FREQ=WEEKLYY' is not a valid RRULE: FREQ
    ///   must be DAILY, WEEKLY, MONTHLY or YEARLY, not 'WEEKLYY'; write e.g. FREQ=WEEKLY;BYDAY=TU".
    public static func validate(rrule: String) throws {
        _ = try Libical.serialized { try RecurrenceRule(parsing: rrule) }
    }

    /// The rule as libical writes it back, parts in a canonical order
    /// ("freq=weekly;byday=tu" → "FREQ=WEEKLY;BYDAY=TU"), after the same checks as `validate`.
    public static func normalized(rrule: String) throws -> String {
        try Libical.serialized {
            var rule = try RecurrenceRule(parsing: rrule)
            guard let text = icalrecurrencetype_as_string_r(&rule.value) else { return rule.text }
            defer { free(text) }
            return String(cString: text)
        }
    }
}
