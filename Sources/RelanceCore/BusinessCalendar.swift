import Foundation

/// Which days are working days: the work week's days off and holidays skipped.
public struct BusinessCalendar: Sendable, Hashable {
    /// Days of the week nobody works (default Saturday and Sunday).
    public var daysOff: Set<Weekday>
    /// Public holidays and other days off.
    public var holidays: Set<LocalDate>

    public init(daysOff: Set<Weekday> = [.saturday, .sunday], holidays: Set<LocalDate> = []) {
        self.daysOff = daysOff
        self.holidays = holidays
    }

    public func isBusinessDay(_ day: LocalDate) -> Bool {
        !daysOff.contains(day.weekday) && !holidays.contains(day)
    }

    /// The `count`-th business day after `day` (`day` itself never counts): Friday + 1 is
    /// Monday. With `count` 0, the first business day on or after `day`.
    ///
    /// Whole weeks are jumped at once (each holds the same working weekdays, less the
    /// holidays that fall on them), so the cost grows with the holidays crossed, not with
    /// `count`: a hostile "999999bd" cannot pin a core inside a write transaction.
    public func adding(businessDays count: Int, to day: LocalDate) -> LocalDate {
        precondition(daysOff.count < 7, "a work week needs at least one working day")
        var current = day
        if count == 0 { return nextBusinessDay(onOrAfter: day) }
        var remaining = count
        let perWeek = 7 - daysOff.count
        while remaining > perWeek {
            // Leave at least one business day to walk: the landing day must be one.
            let weeks = (remaining - 1) / perWeek
            let landing = current.adding(days: 7 * weeks)
            let lost = holidays.count { $0 > current && $0 <= landing && !daysOff.contains($0.weekday) }
            remaining -= weeks * perWeek - lost
            current = landing
        }
        while remaining > 0 {
            current = current.adding(days: 1)
            if isBusinessDay(current) { remaining -= 1 }
        }
        return current
    }

    /// `day` if it is a business day, else the next one.
    public func nextBusinessDay(onOrAfter day: LocalDate) -> LocalDate {
        precondition(daysOff.count < 7, "a work week needs at least one working day")
        var current = day
        while !isBusinessDay(current) { current = current.adding(days: 1) }
        return current
    }
}
