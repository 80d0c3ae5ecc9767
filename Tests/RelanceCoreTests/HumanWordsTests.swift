import Foundation
import RelanceCore
import RelanceTestKit
import Testing

/// What a person reads: times in the zone they chose, durations in words.
@Suite struct HumanWordsTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    let tokyo = TimeZone(identifier: "Asia/Tokyo")!
    let utc = TimeZone(identifier: "Etc/UTC")!
    /// Monday 30 November 2026, 16:00 in Paris.
    let now = instant("2026-11-30T15:00:00Z")

    // MARK: Times

    @Test(arguments: [
        ("2026-12-01T08:30:00Z", "Europe/Paris", "Tue 1 Dec 09:30"),
        ("2026-12-01T08:30:00Z", "Etc/UTC", "Tue 1 Dec 08:30"),
        ("2026-12-01T08:30:00Z", "Asia/Tokyo", "Tue 1 Dec 17:30"),
        ("2026-12-31T23:30:00Z", "Europe/Paris", "Fri 1 Jan 2027 00:30"),  // next year there
        ("2026-12-31T23:30:00Z", "Etc/UTC", "Thu 31 Dec 23:30"),
        ("2026-03-29T01:30:00Z", "Europe/Paris", "Sun 29 Mar 03:30"),  // just after spring forward
    ])
    func aMomentReadsInTheZoneGiven(_ iso: String, _ zone: String, _ expected: String) {
        #expect(HumanTime.moment(instant(iso), in: TimeZone(identifier: zone)!, now: now) == expected)
    }

    @Test func everyPatternReadsAsAnEnglishDateFormatterWritesIt() {
        // Every pattern in use, through two years of instants 37 h 11 min 7 s apart (each
        // weekday, month and hour; DST changes) in zones with odd offsets: the text
        // written without ICU is ICU's, as DateFormatter en_GB writes it.
        let patterns = ["EEE d MMM yyyy HH:mm", "EEE d MMM HH:mm", "EEE d MMM yyyy", "EEE d MMM", "d MMM yyyy",
                        "EEEE d MMMM", "HH:mm", "HH:mm:ss"]
        for zoneName in ["Europe/Paris", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham", "Etc/UTC"] {
            let zone = TimeZone(identifier: zoneName)!
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_GB")
            formatter.timeZone = zone
            for step in 0..<470 {
                let date = instant("2026-01-01T00:00:00Z").addingTimeInterval(Double(step) * (37 * 3_600 + 11 * 60 + 7))
                for pattern in patterns {
                    formatter.dateFormat = pattern
                    #expect(HumanTime.format(date, zone, pattern) == formatter.string(from: date), "\(pattern) in \(zoneName)")
                }
            }
        }
    }

    @Test func theDayAndClockFollowTheZoneNotTheProcess() {
        let late = instant("2026-11-30T23:30:00Z")
        #expect(HumanTime.day(late, in: paris) == "Tue 1 Dec")
        #expect(HumanTime.day(late, in: utc) == "Mon 30 Nov")
        #expect(HumanTime.clock(late, in: paris) == "00:30")
        #expect(HumanTime.date(late, in: paris) == "1 Dec 2026")
        #expect(HumanTime.longDay(late, in: paris) == "Tuesday 1 December")
    }

    @Test(arguments: [
        ("2026-12-01T00:30:00Z", "Asia/Tokyo", "09:30 their time (Asia/Tokyo), 01:30 yours"),
        ("2026-12-01T14:30:00Z", "America/New_York", "09:30 their time (America/New_York), 15:30 yours"),
        ("2026-11-30T20:30:00Z", "Pacific/Auckland", "09:30 their time (Pacific/Auckland), Mon 30 Nov 21:30 yours"),
    ])
    func theirTimeNamesTheirZoneAndYours(_ iso: String, _ zone: String, _ expected: String) {
        #expect(HumanTime.theirClock(instant(iso), contactZone: TimeZone(identifier: zone)!, userZone: paris) == expected)
    }

    @Test func theirMomentSaysJustOnceWhenTheClocksAgree() {
        let at = instant("2026-12-01T08:30:00Z")
        #expect(HumanTime.theirs(at, contactZone: tokyo, userZone: paris) == "Tue 1 Dec 17:30 their time (Asia/Tokyo), 09:30 yours")
        #expect(HumanTime.theirs(at, contactZone: TimeZone(identifier: "Europe/Berlin")!, userZone: paris) == "Tue 1 Dec 09:30")
    }

    @Test(arguments: [("UTC", "Etc/UTC"), ("GMT", "Etc/UTC"), ("Etc/UTC", "Etc/UTC"), ("Europe/Paris", "Europe/Paris")])
    func zonesAreNamedTheIANAWay(_ name: String, _ expected: String) {
        #expect(ZoneName.iana(TimeZone(identifier: name)!).identifier == expected)
    }

    // MARK: Durations

    @Test(arguments: [
        ("PT1S", "1 second"), ("PT2S", "2 seconds"), ("PT0.5S", "0.5 seconds"), ("PT90M", "90 minutes"),
        ("PT4H", "4 hours"), ("P1D", "1 day"), ("P7D", "7 days"), ("P1W", "1 week"), ("P3M", "3 months"),
        ("P1Y", "1 year"), ("P1DT2H30M", "1 day, 2 hours and 30 minutes"), ("PT2H30M", "2 hours and 30 minutes"),
        ("PT0S", "no time"),
    ])
    func durationsReadAsWords(_ iso: String, _ expected: String) throws {
        #expect(HumanDuration.spell(try ISODuration(parsing: iso)) == expected)
    }

    @Test(arguments: [("7bd", "7 business days"), ("1bd", "1 business day"), ("P7D", "7 days"), ("PT2S", "2 seconds")])
    func waitsReadAsWords(_ text: String, _ expected: String) throws {
        #expect(try Wait(parsing: text).spelledOut == expected)
    }

    @Test(arguments: [
        ("P90D", "every 90 days"), ("P3M", "every 3 months"), ("P1M", "every month"), ("P1W", "every week"),
        ("P1D", "every day"), ("10bd", "every 10 business days"), ("P1Y", "every year"), ("P1W3D", "every 1 week and 3 days"),
    ])
    func cadencesReadAsEvery(_ text: String, _ expected: String) {
        #expect(HumanDuration.every(text: text) == expected)
    }

    @Test(arguments: [("P1D", "1 day before"), ("PT2H", "2 hours before"), ("P7D", "7 days before"), ("PT0S", "at the start")])
    func offsetsReadAsBefore(_ iso: String, _ expected: String) throws {
        #expect(HumanDuration.before(try ISODuration(parsing: iso)) == expected)
    }

    @Test func reasonsSpellTheirDurations() throws {
        let rules = TimingRules(userZone: paris)
        let policy = FollowUpPolicy(nudges: [.duration(ISODuration(seconds: 1))], letGo: nil)
        let planned = try #require(Planner.followUp(step: 0, policy: policy, anchor: now, contactZone: nil, rules: rules))
        #expect(planned.reason.hasPrefix("1 second after Mon 30 Nov 16:00"))
        let before = Planner.before(start: instant("2026-12-10T18:00:00Z"), offset: ISODuration(days: 1), rules: rules, now: now)
        #expect(before.reason.hasPrefix("1 day before Thu 10 Dec 19:00"))
    }
}
