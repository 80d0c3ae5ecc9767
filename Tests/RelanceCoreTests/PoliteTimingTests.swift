import Foundation
import RelanceCore
import RelanceTestKit
import Testing

/// Table tests for the polite-timing rules (issue #3).
@Suite struct PoliteTimingTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    func rules(_ zone: TimeZone, holidays: Set<LocalDate> = []) -> TimingRules {
        TimingRules(userZone: zone, calendar: BusinessCalendar(holidays: holidays))
    }

    @Test func businessDaysSkipWeekendsAndHolidays() {
        let calendar = BusinessCalendar(holidays: [LocalDate("2026-12-25")!])
        // Thursday 24 Dec + 1 business day: Friday is Christmas, so Monday 28.
        #expect(calendar.adding(businessDays: 1, to: LocalDate("2026-12-24")!) == LocalDate("2026-12-28")!)
        // Friday + 1 = Monday; Saturday + 1 = Monday; Friday + 5 = next Friday.
        #expect(calendar.adding(businessDays: 1, to: LocalDate("2026-11-27")!) == LocalDate("2026-11-30")!)
        #expect(calendar.adding(businessDays: 1, to: LocalDate("2026-11-28")!) == LocalDate("2026-11-30")!)
        #expect(calendar.adding(businessDays: 5, to: LocalDate("2026-11-27")!) == LocalDate("2026-12-04")!)
    }

    @Test func aFridayEveningOutreachToTokyoIsDueOnTheirBusinessMorning() throws {
        let tokyo = TimeZone(identifier: "Asia/Tokyo")!
        // Friday 27 Nov 2026, 19:00 in Paris = Saturday 03:00 in Tokyo.
        let sent = instant("2026-11-27T18:00:00Z")
        let planned = try #require(Planner.followUp(step: 0, policy: .standard, anchor: sent, contactZone: tokyo, rules: rules(paris)))
        // Their Saturday 28 Nov + 7 business days = Tuesday 8 Dec, 09:30 in Tokyo = 00:30 UTC,
        // i.e. 01:30 in Paris: outside the window, so it fires at 09:00 Paris.
        #expect(planned.dueAt == instant("2026-12-08T00:30:00Z"))
        #expect(planned.fireAt == instant("2026-12-08T08:00:00Z"))
        #expect(planned.reason.contains("7 business days after Fri 27 Nov"))
        #expect(planned.reason.contains("09:30 their time (Asia/Tokyo)"))
        #expect(planned.reason.hasSuffix("moved to Tue 8 Dec 09:00: delivery window"))
    }

    @Test func theWindowDefersToTheNextOpeningAndSeveralRangesWork() {
        var window = DeliveryWindow(timeZone: paris)
        window.hours[.monday] = [ClockRange("09:00-12:00")!, ClockRange("14:00-18:00")!]
        // Monday 30 Nov 12:30 Paris → 14:00.
        #expect(window.nextOpening(atOrAfter: instant("2026-11-30T11:30:00Z")) == instant("2026-11-30T13:00:00Z"))
        // Saturday → Monday 09:00.
        #expect(window.nextOpening(atOrAfter: instant("2026-11-28T10:00:00Z")) == instant("2026-11-30T08:00:00Z"))
        // Inside stays put.
        #expect(window.nextOpening(atOrAfter: instant("2026-11-30T09:00:00Z")) == instant("2026-11-30T09:00:00Z"))
        window.isEnabled = false
        #expect(window.nextOpening(atOrAfter: instant("2026-11-28T10:00:00Z")) == instant("2026-11-28T10:00:00Z"))
    }

    /// Wall-clock reminders keep their local time across DST, in both hemispheres and
    /// in a zone without DST; skipped times move forward by the gap; repeated ones are
    /// the first occurrence.
    @Test(arguments: [
        // zone, local wall-clock, expected UTC
        ("Europe/Paris", "2026-03-28T19:00", "2026-03-28T18:00:00Z"),   // before spring forward (CET)
        ("Europe/Paris", "2026-03-29T19:00", "2026-03-29T17:00:00Z"),   // after (CEST)
        ("Europe/Paris", "2026-03-29T02:30", "2026-03-29T01:30:00Z"),   // does not exist → 03:30 CEST
        ("Europe/Paris", "2026-10-25T02:30", "2026-10-25T00:30:00Z"),   // twice → first (CEST)
        ("America/Toronto", "2026-03-08T02:30", "2026-03-08T07:30:00Z"), // does not exist → 03:30 EDT
        ("America/Toronto", "2026-11-01T01:30", "2026-11-01T05:30:00Z"), // twice → first (EDT)
        ("America/Toronto", "2026-11-02T19:00", "2026-11-03T00:00:00Z"), // EST
        ("Australia/Sydney", "2026-04-05T02:30", "2026-04-04T15:30:00Z"), // twice → first (AEDT)
        ("Australia/Sydney", "2026-10-04T02:30", "2026-10-03T16:30:00Z"), // does not exist → 03:30 AEDT
        ("Australia/Sydney", "2026-07-01T19:00", "2026-07-01T09:00:00Z"), // AEST (winter)
        ("Asia/Kolkata", "2026-03-29T19:00", "2026-03-29T13:30:00Z"),
        ("Asia/Kolkata", "2026-10-25T19:00", "2026-10-25T13:30:00Z"),
    ])
    func wallClockTimesAcrossDST(_ zone: String, _ local: String, _ expected: String) throws {
        let time = try #require(LocalDateTime(local))
        #expect(time.instant(in: TimeZone(identifier: zone)!) == instant(expected))
    }

    @Test func a19hEventStaysAt19hAcrossTheChange() {
        // A day before reminder: P1D before 19:00 on Sunday 29 Mar (after spring forward).
        let start = LocalDateTime("2026-03-30T19:00")!.instant(in: paris)
        let planned = Planner.before(start: start, offset: ISODuration(hours: 2), rules: rules(paris), now: instant("2026-03-01T00:00:00Z"))
        #expect(planned.fireAt == LocalDateTime("2026-03-30T17:00")!.instant(in: paris))
        #expect(planned.reason.hasSuffix("on time, close to the start"))
    }

    @Test func meetingRemindersDayBeforeLeaveAndThankYou() {
        let rules = rules(paris)
        let now = instant("2026-11-27T10:00:00Z")
        // Monday 30 Nov 10:00: the day before is Sunday (closed) → Friday 09:00.
        let start = LocalDateTime("2026-11-30T10:00")!.instant(in: paris)
        let prep = Planner.before(start: start, offset: ISODuration(days: 1), rules: rules, now: now)
        #expect(prep.fireAt == LocalDateTime("2026-11-27T09:00")!.instant(in: paris).addingTimeInterval(0) || prep.fireAt == now)
        let leave = Planner.before(start: start, offset: ISODuration(hours: 1), rules: rules, now: now)
        #expect(leave.fireAt == LocalDateTime("2026-11-30T09:00")!.instant(in: paris))
        let thanks = Planner.after(end: start.addingTimeInterval(2700), rules: rules, now: now)
        #expect(thanks.fireAt == LocalDateTime("2026-12-01T09:00")!.instant(in: paris))
    }

    @Test func aLeaveReminderBeforeAnEarlyMeetingIgnoresTheWindow() {
        let start = LocalDateTime("2026-12-01T08:00")!.instant(in: paris)
        let leave = Planner.before(start: start, offset: ISODuration(hours: 1), rules: rules(paris), now: instant("2026-11-27T10:00:00Z"))
        #expect(leave.fireAt == LocalDateTime("2026-12-01T07:00")!.instant(in: paris))
    }

    @Test func sequencesStepThroughNudgesThenLetGo() {
        let policy = FollowUpPolicy.standard
        #expect(policy.stepCount == 3)
        #expect(policy.wait(forStep: 0) == .businessDays(7))
        #expect(policy.wait(forStep: 1) == .businessDays(10))
        #expect(policy.isLetGo(step: 2))
        #expect(policy.wait(forStep: 3) == nil)
        #expect(Planner.followUp(step: 3, policy: policy, anchor: Date(), contactZone: nil, rules: rules(paris)) == nil)
    }

    @Test func policiesParseFromPresetsAndSteps() throws {
        #expect(try FollowUpPolicy.resolve(preset: "gentle", nudges: nil, letGo: nil, base: .standard) == .gentle)
        let custom = try FollowUpPolicy.resolve(preset: nil, nudges: [Wait(parsing: "5bd"), Wait(parsing: "P14D")],
                                                letGo: FollowUpPolicy.LetGo(parsing: "never"), base: .standard)
        #expect(custom.nudges == [.businessDays(5), .duration(ISODuration(days: 14))])
        #expect(custom.letGo == nil)
        #expect(throws: FollowUpPolicy.PolicyError.self) { try FollowUpPolicy.resolve(preset: "soon", nudges: nil, letGo: nil, base: .standard) }
        #expect(throws: FollowUpPolicy.PolicyError.self) { try FollowUpPolicy.resolve(preset: nil, nudges: [], letGo: nil, base: .standard) }
    }
}

/// Property tests: generated calendars, zones, windows and send times (a seeded
/// generator, so a failure replays).
@Suite struct PoliteTimingProperties {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    static let zones = ["Europe/Paris", "America/Toronto", "Australia/Sydney", "Asia/Kolkata", "Asia/Tokyo", "UTC",
                        "America/Los_Angeles", "Pacific/Auckland"].map { TimeZone(identifier: $0)! }

    func randomRules(_ g: inout Generator) -> TimingRules {
        let zone = Self.zones.randomElement(using: &g)!
        var daysOff = Set(Weekday.allCases.filter { _ in Int.random(in: 0..<4, using: &g) == 0 })
        if daysOff.count == 7 { daysOff.remove(.wednesday) }
        let holidays = Set((0..<Int.random(in: 0...15, using: &g)).map { _ in
            LocalDate("2026-01-01")!.adding(days: Int.random(in: 0..<800, using: &g))
        })
        var window = DeliveryWindow(timeZone: zone, holidays: holidays)
        window.hours = [:]
        for day in Weekday.allCases where Int.random(in: 0..<3, using: &g) > 0 {
            let start = Int.random(in: 0...20, using: &g)
            let end = Int.random(in: (start + 1)...24, using: &g)
            window.hours[day] = [ClockRange(start: LocalTimeOfDay(hour: start), end: LocalTimeOfDay(hour: end))]
        }
        window.isEnabled = Int.random(in: 0..<5, using: &g) > 0
        return TimingRules(userZone: zone, calendar: BusinessCalendar(daysOff: daysOff, holidays: holidays), window: window)
    }

    func randomInstant(_ g: inout Generator) -> Date {
        instant("2026-01-01T00:00:00Z").addingTimeInterval(Double.random(in: 0..<(600 * 86_400), using: &g))
    }

    @Test func followUpsAreNeverDeliveredOutsideTheWindow() {
        var g = Generator(state: 1)
        for _ in 0..<400 {
            let rules = randomRules(&g)
            let contact = Bool.random(using: &g) ? Self.zones.randomElement(using: &g) : nil
            let sent = randomInstant(&g)
            for step in 0..<3 {
                guard let planned = Planner.followUp(step: step, policy: .standard, anchor: sent, contactZone: contact, rules: rules)
                else { continue }
                #expect(rules.window.contains(planned.fireAt), "fires outside the window: \(planned)")
                #expect(planned.fireAt >= planned.dueAt)
            }
        }
    }

    @Test func businessDayRulesNeverLandOnADayOff() {
        var g = Generator(state: 2)
        for _ in 0..<400 {
            let rules = randomRules(&g)
            let contact = Bool.random(using: &g) ? Self.zones.randomElement(using: &g)! : rules.userZone
            let sent = randomInstant(&g)
            let planned = Planner.followUp(step: 0, policy: .standard, anchor: sent, contactZone: contact, rules: rules)!
            #expect(rules.calendar.isBusinessDay(LocalDate(planned.dueAt, in: contact)), "due on a day off: \(planned)")
        }
    }

    @Test func aLaterSendTimeNeverGivesAnEarlierFollowUp() {
        var g = Generator(state: 3)
        for _ in 0..<400 {
            let rules = randomRules(&g)
            let contact = Bool.random(using: &g) ? Self.zones.randomElement(using: &g) : nil
            let first = randomInstant(&g)
            let later = first.addingTimeInterval(Double.random(in: 0..<(10 * 86_400), using: &g))
            let a = Planner.followUp(step: 0, policy: .standard, anchor: first, contactZone: contact, rules: rules)!
            let b = Planner.followUp(step: 0, policy: .standard, anchor: later, contactZone: contact, rules: rules)!
            #expect(a.fireAt <= b.fireAt)
            #expect(a.dueAt <= b.dueAt)
        }
    }

    @Test func meetingAndEventRemindersOutsideTheWindowAreOnlyNearTheStart() {
        var g = Generator(state: 4)
        for _ in 0..<400 {
            let rules = randomRules(&g)
            let start = randomInstant(&g)
            let now = start.addingTimeInterval(-Double.random(in: 0..<(20 * 86_400), using: &g))
            let offset = [ISODuration(days: 7), ISODuration(days: 1), ISODuration(hours: 2), ISODuration(hours: 1)].randomElement(using: &g)!
            let planned = Planner.before(start: start, offset: offset, rules: rules, now: now)
            #expect(planned.fireAt <= start)
            if !rules.window.contains(planned.fireAt) && planned.fireAt > now {
                let near = start.timeIntervalSince(planned.fireAt) <= rules.nearStart
                let noOpeningBefore = rules.window.nextOpening(atOrAfter: planned.dueAt) >= start
                #expect(near || noOpeningBefore, "outside the window and not near the start: \(planned)")
            }
        }
    }
}

/// Issue #12: an all-day event's reminders come at the start of the user's day, never at
/// a clock time counted back from its midnight.
@Suite struct AllDayEventReminderTests {
    let paris = TimeZone(identifier: "Europe/Paris")!

    @Test func leadsBeforeAnAllDayEventComeAtTheStartOfTheDayNeverTheEveningBefore() {
        let rules = TimingRules(userZone: paris)
        // Wednesday 16 Dec 2026, all day in Paris (midnight = 23:00 UTC the day before).
        let day = LocalDate("2026-12-16")!
        let occurrence = day.at(LocalTimeOfDay(hour: 0), in: paris)
        let now = instant("2026-11-30T11:00:00Z")
        let plans = EventReminders.plan(title: "Founders Day", place: nil, occurrence: occurrence, duration: 86_400,
                                        rsvpBy: nil, leads: [ISODuration(days: 7), ISODuration(days: 1), ISODuration(hours: 2)],
                                        rules: rules, now: now, allDay: true)
        let fire = plans.filter { $0.kind != .eventLogPeople }.map(\.planned.fireAt)
        // A week before, the day before and the day itself, each at 09:00 Paris (08:00 UTC).
        #expect(fire == [instant("2026-12-09T08:00:00Z"), instant("2026-12-15T08:00:00Z"), instant("2026-12-16T08:00:00Z")])
        #expect(plans.filter { $0.kind != .eventLogPeople }.allSatisfy { $0.text.contains("Wed 16 Dec, all day") })
        #expect(!plans.contains { $0.text.contains("00:00") })
    }

    @Test func theSameLeadsBeforeATimedMidnightEventCountHours() {
        // Given the same leads on a timed event at 00:00: 2 hours before is 22:00 the
        // evening before (what an all-day event must not get).
        let rules = TimingRules(userZone: paris)
        let occurrence = LocalDate("2026-12-16")!.at(LocalTimeOfDay(hour: 0), in: paris)
        let plans = EventReminders.plan(title: "Night", place: nil, occurrence: occurrence, duration: 3600, rsvpBy: nil,
                                        leads: [ISODuration(hours: 2)], rules: rules, now: instant("2026-11-30T11:00:00Z"))
        #expect(plans.first?.planned.dueAt == instant("2026-12-15T21:00:00Z"))
    }

    @Test func theDayBeforeAWeekendAllDayEventIsTheLastOpeningBeforeIt() {
        // Sunday 20 Dec: the day before (Saturday) has no window, so Friday 09:00.
        let rules = TimingRules(userZone: paris)
        let planned = Planner.beforeAllDay(day: LocalDate("2026-12-20")!, offset: ISODuration(days: 1), rules: rules,
                                           now: instant("2026-11-30T11:00:00Z"))
        #expect(planned.fireAt == instant("2026-12-18T08:00:00Z"))
    }
}
