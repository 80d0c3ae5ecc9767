import Foundation
@testable import RelanceCalendar
import RelanceCore
import RelanceTestKit
import Testing

/// Helpers to write wall-clock times compactly in tables.
func local(_ text: String) -> LocalDateTime {
    // "2026-03-17T19:00"
    let parts = text.split(separator: "T")
    return LocalDateTime(date: LocalDate(String(parts[0]))!, time: LocalTimeOfDay(String(parts[1]))!)
}

func zone(_ identifier: String) -> TimeZone { TimeZone(identifier: identifier)! }

@Suite struct RecurrenceExpanderTests {
    @Test func weeklyEventInParisKeepsNineteenHundredAcrossSpringForward() throws {
        // Given a Tuesday 19:00 weekly event; Paris moves to CEST on 2026-03-29.
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-03-17T19:00"), zone: zone("Europe/Paris"),
            recurrence: Recurrence(rrule: "FREQ=WEEKLY;BYDAY=TU"), after: instant("2026-03-01T00:00:00Z"), limit: 4)
        // Then it is 18:00 UTC in winter and 17:00 UTC in summer: 19:00 local throughout.
        #expect(occurrences == [
            instant("2026-03-17T18:00:00Z"), instant("2026-03-24T18:00:00Z"),
            instant("2026-03-31T17:00:00Z"), instant("2026-04-07T17:00:00Z"),
        ])
    }

    /// Zones with a DST change in the window (and one without), the Tuesday before it.
    static let zonesAcrossDST: [(zone: String, firstTuesday: String, changesOffset: Bool)] = [
        ("Europe/Paris", "2026-03-17", true),        // CET → CEST on 2026-03-29
        ("Europe/Paris", "2026-10-13", true),        // CEST → CET on 2026-10-25
        ("America/Toronto", "2026-02-24", true),     // EST → EDT on 2026-03-08
        ("America/Toronto", "2026-10-20", true),     // EDT → EST on 2026-11-01
        ("Australia/Sydney", "2026-03-24", true),    // AEDT → AEST on 2026-04-05 (southern autumn)
        ("Australia/Sydney", "2026-09-22", true),    // AEST → AEDT on 2026-10-04 (southern spring)
        ("Asia/Kolkata", "2026-03-17", false),       // IST all year
    ]

    @Test(arguments: zonesAcrossDST)
    func weeklyEventKeepsItsWallClockHour(_ row: (zone: String, firstTuesday: String, changesOffset: Bool)) throws {
        let tz = zone(row.zone)
        let start = LocalDateTime(date: LocalDate(row.firstTuesday)!, time: LocalTimeOfDay(hour: 19))
        let occurrences = try RecurrenceExpander.occurrences(
            start: start, zone: tz, recurrence: Recurrence(rrule: "FREQ=WEEKLY"),
            after: start.instant(in: tz).addingTimeInterval(-1), limit: 6)

        #expect(occurrences.count == 6)
        for (week, occurrence) in occurrences.enumerated() {
            #expect(LocalDateTime(occurrence, in: tz) == LocalDateTime(date: start.date.adding(days: 7 * week), time: start.time))
        }
        let offsets = Set(occurrences.map { tz.secondsFromGMT(for: $0) })
        #expect(offsets.count == (row.changesOffset ? 2 : 1))
    }

    @Test func monthlyOnTheFirstTuesdayWithAnExdateInParis() throws {
        // Given the first Tuesday of every month at 19:00 in Paris, except in April.
        let recurrence = Recurrence(rrule: "FREQ=MONTHLY;BYDAY=1TU", exdates: [local("2026-04-07T19:00")])
        // When the first six occurrences of 2026 are asked for
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-01-06T19:00"), zone: zone("Europe/Paris"), recurrence: recurrence,
            after: instant("2026-01-01T00:00:00Z"), limit: 6)
        // Then April is skipped and summer ones are an hour earlier in UTC.
        #expect(occurrences == [
            instant("2026-01-06T18:00:00Z"), instant("2026-02-03T18:00:00Z"), instant("2026-03-03T18:00:00Z"),
            instant("2026-05-05T17:00:00Z"), instant("2026-06-02T17:00:00Z"), instant("2026-07-07T17:00:00Z"),
        ])
    }

    @Test func rdatesMergeInOrderWithoutDuplicates() throws {
        let recurrence = Recurrence(rrule: "FREQ=WEEKLY;BYDAY=TU",
                                    rdates: [local("2026-03-28T10:00"), local("2026-03-21T10:00"), local("2026-03-24T19:00")])
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-03-17T19:00"), zone: zone("Europe/Paris"), recurrence: recurrence,
            after: instant("2026-03-01T00:00:00Z"), limit: 6)
        #expect(occurrences == [
            instant("2026-03-17T18:00:00Z"), instant("2026-03-21T09:00:00Z"), instant("2026-03-24T18:00:00Z"),
            instant("2026-03-28T09:00:00Z"), instant("2026-03-31T17:00:00Z"), instant("2026-04-07T17:00:00Z"),
        ])
    }

    @Test func afterIsStrictAndLimitCaps() throws {
        let recurrence = Recurrence(rrule: "FREQ=DAILY")
        let paris = zone("Europe/Paris")
        // An occurrence exactly at `after` is not "after" it.
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-01-01T09:00"), zone: paris, recurrence: recurrence,
            after: instant("2026-01-10T08:00:00Z"), limit: 2)
        #expect(occurrences == [instant("2026-01-11T08:00:00Z"), instant("2026-01-12T08:00:00Z")])
        #expect(try RecurrenceExpander.occurrences(start: local("2026-01-01T09:00"), zone: paris, recurrence: recurrence,
                                                   after: instant("2026-01-10T08:00:00Z"), limit: 0).isEmpty)
    }

    @Test func withoutRuleOnlyStartAndRdatesOccur() throws {
        let recurrence = Recurrence(exdates: [local("2026-05-01T12:00")],
                                    rdates: [local("2026-06-01T12:00"), local("2026-05-01T12:00"), local("2026-04-01T12:00")])
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-05-01T12:00"), zone: zone("UTC"), recurrence: recurrence,
            after: instant("2026-01-01T00:00:00Z"), limit: 10)
        // DTSTART is listed as an RDATE too, and excluded: only the two others remain.
        #expect(occurrences == [instant("2026-04-01T12:00:00Z"), instant("2026-06-01T12:00:00Z")])
    }

    @Test func finishedSeriesYieldsNothingLater() throws {
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-01-01T09:00"), zone: zone("Europe/Paris"), recurrence: Recurrence(rrule: "FREQ=DAILY;COUNT=3"),
            after: instant("2026-01-01T00:00:00Z"), limit: 10)
        #expect(occurrences.count == 3)
        #expect(try RecurrenceExpander.occurrences(
            start: local("2026-01-01T09:00"), zone: zone("Europe/Paris"), recurrence: Recurrence(rrule: "FREQ=DAILY;COUNT=3"),
            after: instant("2026-02-01T00:00:00Z"), limit: 10).isEmpty)
    }

    @Test func utcUntilIsReadInTheEventsZone() throws {
        // 19:00 in Paris on 2026-03-31 is 17:00Z: UNTIL written in UTC (as RFC 5545 asks)
        // includes it. Left to libical with floating times, it would be dropped.
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-03-17T19:00"), zone: zone("Europe/Paris"),
            recurrence: Recurrence(rrule: "FREQ=WEEKLY;UNTIL=20260331T170000Z"),
            after: instant("2026-01-01T00:00:00Z"), limit: 10)
        #expect(occurrences.last == instant("2026-03-31T17:00:00Z"))
        #expect(occurrences.count == 3)
    }

    @Test func dateUntilIncludesThatDay() throws {
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-01-01T09:00"), zone: zone("Europe/Paris"), recurrence: Recurrence(rrule: "FREQ=DAILY;UNTIL=20260105"),
            after: instant("2025-12-31T00:00:00Z"), limit: 10)
        #expect(occurrences.count == 5)
    }

    @Test func unsynchronisedStartIsTheFirstOccurrenceAndCounts() throws {
        // DTSTART is a Wednesday; the rule picks first Tuesdays. RFC 5545 makes DTSTART
        // the first instance and counts it in COUNT (libical alone would drop it).
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-01-07T19:00"), zone: zone("Europe/Paris"),
            recurrence: Recurrence(rrule: "FREQ=MONTHLY;BYDAY=1TU;COUNT=3"),
            after: instant("2026-01-01T00:00:00Z"), limit: 10)
        #expect(occurrences == [instant("2026-01-07T18:00:00Z"), instant("2026-02-03T18:00:00Z"), instant("2026-03-03T18:00:00Z")])
    }

    @Test func skippedLocalTimeMovesForwardByTheGap() throws {
        // 02:30 does not exist in Paris on 2026-03-29; it becomes 03:30 CEST (01:30Z).
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-03-28T02:30"), zone: zone("Europe/Paris"), recurrence: Recurrence(rrule: "FREQ=DAILY"),
            after: instant("2026-03-01T00:00:00Z"), limit: 3)
        #expect(occurrences == [instant("2026-03-28T01:30:00Z"), instant("2026-03-29T01:30:00Z"), instant("2026-03-30T00:30:00Z")])
    }

    @Test func repeatedLocalTimeIsTheFirstOfTheTwo() throws {
        // 02:30 happens twice in Paris on 2026-10-25; the CEST one (00:30Z) is taken.
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("2026-10-24T02:30"), zone: zone("Europe/Paris"), recurrence: Recurrence(rrule: "FREQ=DAILY"),
            after: instant("2026-10-01T00:00:00Z"), limit: 3)
        #expect(occurrences == [instant("2026-10-24T00:30:00Z"), instant("2026-10-25T00:30:00Z"), instant("2026-10-26T01:30:00Z")])
    }

    @Test func concurrentCallersGetTheSameAnswers() async throws {
        // libical is used under one lock; many tasks at once must neither crash nor differ.
        let expected = try RecurrenceExpander.occurrences(
            start: local("2026-01-06T19:00"), zone: zone("Europe/Paris"),
            recurrence: Recurrence(rrule: "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20261231T230000Z"),
            after: instant("2026-01-01T00:00:00Z"), limit: 20)
        let meetups = try Fixture.text("meetups.ics")
        try await withThrowingTaskGroup(of: [Date].self) { group in
            for index in 0..<32 {
                group.addTask {
                    if index % 2 == 0 { _ = try ICSParser.events(fromICS: meetups) }
                    return try RecurrenceExpander.occurrences(
                        start: local("2026-01-06T19:00"), zone: zone("Europe/Paris"),
                        recurrence: Recurrence(rrule: "FREQ=MONTHLY;BYDAY=1TU;UNTIL=20261231T230000Z"),
                        after: instant("2026-01-01T00:00:00Z"), limit: 20)
                }
            }
            for try await result in group { #expect(result == expected) }
        }
        #expect(expected.count == 12)
    }

    @Test func longPastStartStillReachesToday() throws {
        // Daily since 1950: about 28 000 libical steps, inside the budget.
        let occurrences = try RecurrenceExpander.occurrences(
            start: local("1950-01-01T08:00"), zone: zone("Asia/Kolkata"), recurrence: Recurrence(rrule: "FREQ=DAILY"),
            after: instant("2026-06-01T00:00:00Z"), limit: 1)
        #expect(occurrences == [instant("2026-06-01T02:30:00Z")])
    }

    @Test func stepBudgetStopsAnEndlessWalk() throws {
        // Daily since 2000: more than 5 000 steps before 2026 (the real budget, 100 000
        // steps, works the same way and costs a quarter of a second to reach).
        let error = try #require(throws: CalendarError.self) {
            try RecurrenceExpander.occurrences(
                start: local("2000-01-01T08:00"), zone: zone("UTC"), recurrence: Recurrence(rrule: "FREQ=DAILY"),
                after: instant("2026-06-01T00:00:00Z"), limit: 1, stepBudget: 5_000)
        }
        #expect(error.code == .expansionLimitReached)
        #expect(error.description.contains("move DTSTART closer"))
    }

    @Test func badRuleThrowsWhenExpanding() throws {
        let error = try #require(throws: CalendarError.self) {
            try RecurrenceExpander.occurrences(
                start: local("2026-01-06T19:00"), zone: zone("Europe/Paris"), recurrence: Recurrence(rrule: "FREQ=WEEKLYY"),
                after: instant("2026-01-01T00:00:00Z"), limit: 1)
        }
        #expect(error.code == .invalidRecurrenceRule)
    }

    @Test func recurrenceRoundTripsThroughJSON() throws {
        let recurrence = Recurrence(rrule: "FREQ=MONTHLY;BYDAY=1TU", exdates: [local("2026-04-07T19:00")], rdates: [local("2026-04-09T19:00")])
        let data = try JSONEncoder().encode(recurrence)
        #expect(try JSONDecoder().decode(Recurrence.self, from: data) == recurrence)
    }
}
