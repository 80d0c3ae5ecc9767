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
    public func adding(businessDays count: Int, to day: LocalDate) -> LocalDate {
        precondition(daysOff.count < 7, "a work week needs at least one working day")
        var current = day
        if count == 0 { return nextBusinessDay(onOrAfter: day) }
        var remaining = count
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
