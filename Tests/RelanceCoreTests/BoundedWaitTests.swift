import Foundation
import RelanceCore
import RelanceTestKit
import Testing

/// Business-day arithmetic jumps whole weeks, and every wait has a bound: no input can
/// make a rule walk the calendar for seconds inside a write transaction.
@Suite struct BoundedWaitTests {
    /// The day-by-day walk the week jumps must agree with.
    func walked(_ calendar: BusinessCalendar, _ count: Int, from day: LocalDate) -> LocalDate {
        if count == 0 { return calendar.nextBusinessDay(onOrAfter: day) }
        var current = day
        var remaining = count
        while remaining > 0 {
            current = current.adding(days: 1)
            if calendar.isBusinessDay(current) { remaining -= 1 }
        }
        return current
    }

    @Test func weekJumpsAgreeWithTheDayByDayWalk() {
        var generator = SeededGenerator(seed: 20261130)
        for _ in 0..<120 {
            let daysOff = Set(Weekday.allCases.filter { _ in Int.random(in: 0..<4, using: &generator) == 0 }.prefix(5))
            let start = LocalDate(year: 2026, month: 1, day: 1).adding(days: Int.random(in: 0..<365, using: &generator))
            let holidays = Set((0..<Int.random(in: 0..<40, using: &generator)).map { _ in
                start.adding(days: Int.random(in: -10..<900, using: &generator))
            })
            let calendar = BusinessCalendar(daysOff: daysOff, holidays: holidays)
            let count = Int.random(in: 0..<400, using: &generator)
            #expect(calendar.adding(businessDays: count, to: start) == walked(calendar, count, from: start),
                    "\(count)bd from \(start), days off \(daysOff), \(holidays.count) holidays")
        }
    }

    @Test func theLongestWaitIsCheapAndLandsOnABusinessDay() {
        let calendar = BusinessCalendar(holidays: [LocalDate(year: 2030, month: 12, day: 25)])
        let start = LocalDate(year: 2026, month: 11, day: 30)
        let landing = calendar.adding(businessDays: Wait.maximumBusinessDays, to: start)
        #expect(landing == walked(calendar, Wait.maximumBusinessDays, from: start))
        #expect(calendar.isBusinessDay(landing))
    }

    @Test(arguments: ["999999999999bd", "2611bd", "P11Y", "PT100000H", "P600W"])
    func waitsPastTenYearsAreRefusedSayingTheBound(_ text: String) {
        let error = #expect(throws: ISODuration.ParseError.self) { try Wait(parsing: text) }
        #expect(error?.description.contains("at most ten years") == true, "\(String(describing: error))")
    }

    @Test(arguments: ["2610bd", "P10Y", "7bd", "PT2S", "P0D"])
    func waitsUpToTenYearsAreAccepted(_ text: String) throws {
        _ = try Wait(parsing: text)
    }

    @Test func aCadenceIsAtLeastADay() throws {
        #expect(try Wait(parsing: "P1D").isAtLeastADay)
        #expect(try Wait(parsing: "1bd").isAtLeastADay)
        #expect(try !Wait(parsing: "PT23H").isAtLeastADay)
        #expect(try !Wait(parsing: "PT0.001S").isAtLeastADay)
    }
}

/// An event keeps at most ten distinct reminder leads, the longest first.
@Suite struct BoundedLeadsTests {
    @Test func aHundredThousandAlarmsGiveTenDistinctLeads() {
        let leads = (0..<100_000).map { ISODuration(minutes: $0 % 50 + 1) }
        let kept = EventReminders.boundedLeads(leads)
        #expect(kept.count == EventReminders.maximumLeads)
        #expect(kept.first == ISODuration(minutes: 50) && kept.last == ISODuration(minutes: 41))
        #expect(Set(kept).count == kept.count)
    }

    @Test func fewLeadsAreKeptLongestFirst() {
        #expect(EventReminders.boundedLeads([ISODuration(hours: 2), ISODuration(days: 1), ISODuration(hours: 2)])
                == [ISODuration(days: 1), ISODuration(hours: 2)])
    }
}
