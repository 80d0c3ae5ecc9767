import Foundation
import RelanceCore
import RelanceTestKit
import Testing

/// "Back on 14 December": when an out-of-office says its writer returns.
@Suite struct ReturnDateTests {
    let today = LocalDate(year: 2026, month: 11, day: 30)

    @Test(arguments: [
        ("Out of office: back on 14 December", "2026-12-14"),
        ("Automatic reply: I am away until December 13th", "2026-12-14"),
        ("Réponse automatique : de retour le 14/12", "2026-12-14"),
        ("Absente jusqu'au 13 décembre inclus", "2026-12-14"),
        ("Out of the office until 2026-12-13", "2026-12-14"),
        ("Back on 5 January", "2027-01-05"),
        ("Back on Jan 5, 2027", "2027-01-05"),
        ("En congé, retour le 4 janvier 2027", "2027-01-04"),
    ])
    func readsTheDayTheyAreBack(_ text: String, _ expected: String) {
        #expect(ReturnDate.find(in: text, today: today) == LocalDate(expected))
    }

    @Test(arguments: ["Out of office", "Back soon", "I was away on 12 November", "Back on 31/02"])
    func noDateOrAPastOneIsNoAnswer(_ text: String) {
        #expect(ReturnDate.find(in: text, today: today) == nil)
    }

    @Test func theNudgeWaitsTwoBusinessDaysAfterTheReturnAndNeverComesEarlier() throws {
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        let rules = TimingRules(userZone: paris)
        let current = PlannedTime(dueAt: instant("2026-12-02T08:30:00Z"), fireAt: instant("2026-12-02T08:30:00Z"), reason: "")
        // Back on Friday 11 December: Monday 14 is one business day after, Tuesday 15 two.
        let later = try #require(Planner.afterReturn(LocalDate(year: 2026, month: 12, day: 11), current: current,
                                                     contactZone: nil, rules: rules))
        #expect(later.dueAt == LocalDate(year: 2026, month: 12, day: 15).at(LocalTimeOfDay(hour: 9, minute: 30), in: paris))
        #expect(later.reason.contains("after they are back"))
        // A nudge already planned after that stays where it is.
        let farther = PlannedTime(dueAt: instant("2027-01-04T08:30:00Z"), fireAt: instant("2027-01-04T08:30:00Z"), reason: "")
        #expect(Planner.afterReturn(LocalDate(year: 2026, month: 12, day: 11), current: farther, contactZone: nil, rules: rules) == nil)
    }

    @Test func aReturnDateAfterALongRunOfLettersIsStillReadAndAMebibyteLineEndsQuickly() {
        let today = LocalDate(year: 2026, month: 11, day: 30)
        // Found by fuzzing: a 1 MiB line without a date kept the pattern busy for minutes.
        #expect(ReturnDate.find(in: String(repeating: "x", count: 1 << 20), today: today) == nil)
        #expect(ReturnDate.find(in: String(repeating: " ", count: 1 << 20) + "1", today: today) == nil)
        // A long word before the date does not hide it.
        #expect(ReturnDate.find(in: String(repeating: "y", count: 500) + " back on December 14", today: today)
                == LocalDate(year: 2026, month: 12, day: 14))
    }
}
