import Foundation
import RelanceCore
import RelanceTestKit
import Testing

@Suite struct WhenExpressionTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    /// Friday 27 November 2026, 15:00 in Paris.
    let now = instant("2026-11-27T14:00:00Z")

    @Test(arguments: [
        ("2026-12-01 09:00", "2026-12-01T08:00:00Z"),
        ("2026-12-01T09:00", "2026-12-01T08:00:00Z"),
        ("2026-12-01", "2026-12-01T08:00:00Z"),
        ("2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z"),
        ("2026-12-01T09:00+01:00", "2026-12-01T08:00:00Z"),
        ("today 18:00", "2026-11-27T17:00:00Z"),
        ("tomorrow", "2026-11-28T08:00:00Z"),
        ("tomorrow 9:30", "2026-11-28T08:30:00Z"),
        ("monday 10:00", "2026-11-30T09:00:00Z"),
        ("friday", "2026-12-04T08:00:00Z"),
        ("18:00", "2026-11-27T17:00:00Z"),
        ("08:00", "2026-11-28T07:00:00Z"),
        ("in 2h", "2026-11-27T16:00:00Z"),
        ("in 3 days", "2026-11-30T14:00:00Z"),
        ("PT2S", "2026-11-27T14:00:02Z"),
        ("tomorrow 2pm", "2026-11-28T13:00:00Z"),
    ])
    func readsWhatPeopleType(_ text: String, _ expected: String) throws {
        #expect(try WhenExpression.parse(text, now: now, timeZone: paris) == instant(expected))
    }

    @Test(arguments: [
        (" tomorrow 9:30", "2026-11-28T08:30:00Z"),
        ("tomorrow 9:30\t", "2026-11-28T08:30:00Z"),
        ("\u{00A0}2026-12-01T09:00:00Z ", "2026-12-01T09:00:00Z"),
    ])
    func blanksAroundAreIgnored(_ text: String, _ expected: String) throws {
        #expect(try WhenExpression.parse(text, now: now, timeZone: paris) == instant(expected))
    }

    /// The calendar of the last zone is kept: a call in another zone must not get it.
    @Test func eachCallReadsInItsOwnZone() throws {
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        #expect(try WhenExpression.parse("tomorrow 9:30", now: now, timeZone: paris) == instant("2026-11-28T08:30:00Z"))
        // 27 Nov 23:00 in Tokyo: tomorrow is the 28th there too, 9:30 JST.
        #expect(try WhenExpression.parse("tomorrow 9:30", now: now, timeZone: tokyo) == instant("2026-11-28T00:30:00Z"))
        #expect(try WhenExpression.parse("tomorrow 9:30", now: now, timeZone: paris) == instant("2026-11-28T08:30:00Z"))
    }

    /// The day of the last call is kept while now stays in it: the next day, and the last
    /// hour of a 25-hour day, must still be read right.
    @Test func theKeptDayFollowsNow() throws {
        let read = { (now: String) in try WhenExpression.parse("tomorrow 9:30", now: instant(now), timeZone: paris) }
        #expect(try read("2026-11-27T14:00:00Z") == instant("2026-11-28T08:30:00Z"))
        #expect(try read("2026-11-28T14:00:00Z") == instant("2026-11-29T08:30:00Z"))
        #expect(try read("2026-11-27T23:30:00Z") == instant("2026-11-29T08:30:00Z"))
        // 25 October 2026 in Paris lasts 25 hours (CEST → CET): 22:00Z to 23:00Z the next day.
        #expect(try read("2026-10-24T22:30:00Z") == instant("2026-10-26T08:30:00Z"))
        #expect(try read("2026-10-25T22:30:00Z") == instant("2026-10-26T08:30:00Z"))
        #expect(try read("2026-10-25T23:00:00Z") == instant("2026-10-27T08:30:00Z"))
        #expect(try read("2026-10-24T21:59:59Z") == instant("2026-10-25T08:30:00Z"))
    }

    @Test(arguments: ["someday", "2026-13-01 09:00", "2026-02-30", "tomorrow 25:00", "in two hours", "monday at noon"])
    func rejectsWithAnExample(_ text: String) {
        #expect(throws: WhenExpression.ParseError.self) { try WhenExpression.parse(text, now: now, timeZone: paris) }
    }

    @Test func skippedWallClockTimeMovesForwardByTheGap() throws {
        // 2026-03-29 02:30 does not exist in Paris (02:00 → 03:00).
        #expect(try WhenExpression.parse("2026-03-29 02:30", now: now, timeZone: paris) == instant("2026-03-29T01:30:00Z"))
    }

    @Test func repeatedWallClockTimeMeansTheFirstOccurrence() throws {
        // 2026-10-25 02:30 happens twice in Paris; the first is in CEST (UTC+2).
        #expect(try WhenExpression.parse("2026-10-25 02:30", now: now, timeZone: paris) == instant("2026-10-25T00:30:00Z"))
    }

    // MARK: Looking back (inbox --since)

    @Test(arguments: [
        ("monday", "2026-11-22T23:00:00Z"),          // the last Monday: 23 Nov, 00:00 in Paris
        ("friday", "2026-11-26T23:00:00Z"),          // today is Friday: today's start
        ("last friday", "2026-11-19T23:00:00Z"),     // the one before today
        ("yesterday", "2026-11-25T23:00:00Z"),
        ("yesterday 14:00", "2026-11-26T13:00:00Z"),
        ("today", "2026-11-26T23:00:00Z"),
        ("last week", "2026-11-15T23:00:00Z"),       // Monday 16 Nov, 00:00
        ("this week", "2026-11-22T23:00:00Z"),
        ("last month", "2026-09-30T22:00:00Z"),      // 1 Oct, 00:00 (CEST)
        ("3 days ago", "2026-11-24T14:00:00Z"),
        ("2h ago", "2026-11-27T12:00:00Z"),
        ("P1D", "2026-11-26T14:00:00Z"),
        ("2026-11-23", "2026-11-22T23:00:00Z"),
        ("18:00", "2026-11-26T17:00:00Z"),           // not yet today: yesterday's
        ("2026-11-23T09:00:00Z", "2026-11-23T09:00:00Z"),
    ])
    func readsBackwardsWhereTheCommandLooksBack(_ text: String, _ expected: String) throws {
        #expect(try WhenExpression.parse(text, now: now, timeZone: paris, looking: .back) == instant(expected))
    }

    @Test(arguments: ["tomorrow", "next monday", "in 2h", "someday", "last fortnight"])
    func aForwardOrUnknownWordLookingBackIsRefusedWithBackwardExamples(_ text: String) {
        #expect {
            try WhenExpression.parse(text, now: now, timeZone: paris, looking: .back)
        } throws: { error in
            "\(error)".contains("'yesterday', 'monday' (the last Monday), 'last week'")
        }
    }

    @Test(arguments: ["yesterday", "last week", "3 days ago"])
    func aPastWordLookingAheadSaysItIsInThePast(_ text: String) {
        #expect {
            try WhenExpression.parse(text, now: now, timeZone: paris)
        } throws: { error in
            "\(error)".contains("that is in the past; this command looks ahead")
        }
    }
}
