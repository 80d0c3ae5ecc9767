import Foundation
import RelanceCore
import RelanceInterchange
import RelanceTestKit
import Testing

@Suite("iCalendar writing")
struct ICalendarWriterTests {
    static let now = instant("2026-11-27T09:00:00Z")
    static let contacts: [Int64: Contact] = [
        1: Contact(id: 1, name: "Ada Lovelace", createdAt: now),
        2: Contact(id: 2, name: "Grace Hopper", createdAt: now),
    ]
    static let meetings = [
        Meeting(id: 11, contactID: 99, outreachID: nil, startsAt: instant("2027-02-01T12:00:00Z"),
                endsAt: instant("2027-02-01T13:00:00Z"), place: "Video call", notes: nil),
        Meeting(id: 10, contactID: 1, outreachID: 5, startsAt: instant("2026-12-10T18:00:00Z"),
                endsAt: instant("2026-12-10T19:00:00Z"), place: "Café de Flore, 172 Bd Saint-Germain; Paris",
                notes: "Bring the Menabrea translation.\nAsk about the Bernoulli numbers."),
    ]
    static let reminders = [
        Reminder(id: 1, kind: .followUp, text: "Follow up with Ada Lovelace", contactID: 1, outreachID: 5,
                 dueAt: instant("2026-12-01T08:00:00Z"), reason: "7 business days after Tue 20 Nov"),
        Reminder(id: 2, kind: .meetingPrep, text: "Tomorrow: Ada Lovelace at Café de Flore", contactID: 1, outreachID: 5,
                 dueAt: instant("2026-12-09T08:00:00Z")),
        Reminder(id: 3, kind: .meetingLeave, text: "Leave for Café de Flore", contactID: 1, outreachID: 5,
                 dueAt: instant("2026-12-10T17:00:00Z")),
        Reminder(id: 4, kind: .keepInTouch, text: "Keep in touch with Grace Hopper", contactID: 2,
                 dueAt: instant("2027-01-05T08:00:00Z")),
        Reminder(id: 5, kind: .custom, text: "Already done", dueAt: instant("2026-11-20T08:00:00Z"), state: .fired),
        Reminder(id: 6, kind: .eventSoon, text: "Paris Swift Meetup tomorrow", dueAt: instant("2026-12-07T18:00:00Z")),
        Reminder(id: 7, kind: .thankYou, text: "Thank Ada Lovelace", contactID: 1, dueAt: instant("2026-12-10T19:30:00Z")),
        Reminder(id: 8, kind: .custom, text: "Cancelled", dueAt: instant("2026-12-20T08:00:00Z"), state: .cancelled),
    ]
    static let events = [
        NetworkingEvent(id: 3, uid: "office-hours@example.org", title: "Open Source Office Hours",
                        start: LocalDateTime("2026-12-15T16:00")!, timeZone: "UTC", duration: 3600, reminders: []),
        NetworkingEvent(id: 1, uid: "meetup-paris@example.org", title: "Paris Swift Meetup",
                        start: LocalDateTime("2026-12-08T19:00")!, timeZone: "Europe/Paris", duration: 7200,
                        place: "Station F, Paris", url: "https://meetup.example/paris-swift", details: "Talks, then drinks.",
                        recurrence: EventRecurrence(rrule: "freq=monthly;byday=2TU;until=20270630",
                                                    exdates: [LocalDateTime("2027-01-12T19:00")!],
                                                    rdates: [LocalDateTime("2027-01-14T19:00")!]),
                        reminders: [ISODuration(days: 1), ISODuration(hours: 2)]),
        NetworkingEvent(id: 2, uid: "nyc-founders@example.org", title: "NYC Founders Breakfast",
                        start: LocalDateTime("2027-03-20T18:30")!, timeZone: "America/New_York", duration: 5400,
                        reminders: [ISODuration(minutes: 30)]),
    ]

    static func calendar() -> String {
        ICalendarWriter.write(reminders: reminders, meetings: meetings, events: events, contactsByID: contacts, now: now)
    }

    /// The UTC text Python prints for a wall-clock time in `zone`.
    static func utc(_ local: String, _ zone: String) -> String {
        let date = LocalDateTime(local)!.instant(in: TimeZone(identifier: zone)!)
        return ISO8601DateFormatter().string(from: date)
    }

    @Test func pythonIcalendarAndVObjectAgreeOnEveryEvent() async throws {
        let outcome = try await PythonValidator.validate(Self.calendar(), fileExtension: "ics")
        #expect(outcome.status == 0, "validate.py: \(outcome.errors)")
        let summary = outcome.summary
        #expect(summary["prodid"] as? String == "-//Relance//Relance//EN")
        #expect(summary["timezones"] as? [String] == ["America/New_York", "Europe/Paris"])
        let events = try #require(summary["events"] as? [[String: Any]])
        #expect(events.map { $0["uid"] as? String } == [
            "meeting-10@relance", "meeting-11@relance",
            "meetup-paris@example.org", "office-hours@example.org", "nyc-founders@example.org",
            "reminder-1@relance", "reminder-7@relance", "reminder-4@relance",
        ])
        #expect(events.map { $0["summary"] as? String } == [
            "Meeting with Ada Lovelace", "Meeting with contact #99", "Paris Swift Meetup", "Open Source Office Hours",
            "NYC Founders Breakfast", "Follow up with Ada Lovelace", "Thank Ada Lovelace", "Keep in touch with Grace Hopper",
        ])
        #expect(events.map { ($0["alarms"] as? [Any])?.count } == [2, 0, 2, 0, 1, 1, 1, 1])
    }

    @Test func meetingIsInUTCWithItsPrepAndLeaveRemindersAsAlarms() async throws {
        let outcome = try await PythonValidator.validate(Self.calendar(), fileExtension: "ics")
        let events = try #require(outcome.summary["events"] as? [[String: Any]])
        let meeting = try #require(events.first)
        #expect(meeting["start"] as? String == "2026-12-10T18:00:00Z")
        #expect(meeting["location"] as? String == "Café de Flore, 172 Bd Saint-Germain; Paris")
        #expect(meeting["alarms"] as? [String] == ["2026-12-09T08:00:00Z", "2026-12-10T17:00:00Z"])
    }

    @Test func recurringEventKeepsItsWallClockTimeAcrossDaylightSaving() async throws {
        let outcome = try await PythonValidator.validate(Self.calendar(), fileExtension: "ics")
        let events = try #require(outcome.summary["events"] as? [[String: Any]])
        let meetup = try #require(events.first { $0["uid"] as? String == "meetup-paris@example.org" })
        #expect(meetup["tzid"] as? String == "Europe/Paris")
        #expect(meetup["start"] as? String == "2026-12-08T18:00:00Z")
        // 12 January excluded, 14 January added; from April the zone is on summer time.
        #expect(meetup["occurrences"] as? [String] == [
            "2026-12-08T19:00", "2027-01-14T19:00", "2027-02-09T19:00", "2027-03-09T19:00", "2027-04-13T19:00", "2027-05-11T19:00",
        ].map { Self.utc($0, "Europe/Paris") })
        let breakfast = try #require(events.first { $0["uid"] as? String == "nyc-founders@example.org" })
        #expect(breakfast["start"] as? String == "2027-03-20T22:30:00Z")
        let hours = try #require(events.first { $0["uid"] as? String == "office-hours@example.org" })
        #expect(hours["start"] as? String == "2026-12-15T16:00:00Z")
        #expect(hours["tzid"] is NSNull)
    }

    @Test func remindersAreFifteenMinuteEventsAlarmedAtTheStartWithTheirKind() async throws {
        let text = Self.calendar()
        let outcome = try await PythonValidator.validate(text, fileExtension: "ics")
        let events = try #require(outcome.summary["events"] as? [[String: Any]])
        let followUp = try #require(events.first { $0["uid"] as? String == "reminder-1@relance" })
        #expect(followUp["start"] as? String == "2026-12-01T08:00:00Z")
        #expect(followUp["categories"] as? [String] == ["follow_up"])
        #expect(followUp["alarms"] as? [String] == ["0:00:00"])
        #expect(text.contains("BEGIN:VEVENT\r\nUID:reminder-1@relance\r\nX-RELANCE-KIND:reminder\r\nDTSTAMP:20261127T090000Z\r\nDTSTART:20261201T080000Z\r\nDURATION:PT15M\r\n"))
        #expect(!text.contains("reminder-5@") && !text.contains("reminder-6@") && !text.contains("reminder-8@"))
    }

    @Test func textIsEscapedAndRRuleUntilIsInUTC() {
        let text = unfolded(Self.calendar())
        #expect(text.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relance//Relance//EN\r\n"))
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(text.contains("LOCATION:Café de Flore\\, 172 Bd Saint-Germain\\; Paris\r\n"))
        #expect(text.contains("DESCRIPTION:Bring the Menabrea translation.\\nAsk about the Bernoulli numbers.\r\n"))
        // 30 June 2027 through 23:59:59 in Paris (summer time) is 21:59:59 UTC.
        #expect(text.contains("RRULE:FREQ=MONTHLY;UNTIL=20270630T215959Z;BYDAY=2TU\r\n"))
        #expect(text.contains("EXDATE;TZID=Europe/Paris:20270112T190000\r\n"))
        #expect(text.contains("TRIGGER:-P1D\r\n") && text.contains("TRIGGER:-PT2H\r\n"))
    }

    @Test func zonesWithoutDaylightSavingOrWithItAcrossNewYearAreDefinedCorrectly() async throws {
        let events = [
            NetworkingEvent(id: 1, uid: "blr", title: "Bengaluru Founders", start: LocalDateTime("2027-01-09T10:00")!,
                            timeZone: "Asia/Kolkata", duration: 3600, reminders: []),
            NetworkingEvent(id: 2, uid: "syd", title: "Sydney Swift", start: LocalDateTime("2027-01-12T18:00")!,
                            timeZone: "Australia/Sydney", duration: 3600,
                            recurrence: EventRecurrence(rrule: "FREQ=MONTHLY;COUNT=6;BYDAY=2TU"), reminders: []),
        ]
        let text = ICalendarWriter.write(reminders: [], meetings: [], events: events, contactsByID: [:], now: Self.now)
        let outcome = try await PythonValidator.validate(text, fileExtension: "ics")
        #expect(outcome.status == 0, "validate.py: \(outcome.errors)")
        let parsed = try #require(outcome.summary["events"] as? [[String: Any]])
        #expect(parsed.first?["start"] as? String == "2027-01-09T04:30:00Z")
        // Sydney leaves summer time on the first Sunday of April.
        #expect(parsed.last?["occurrences"] as? [String] == [
            "2027-01-12T18:00", "2027-02-09T18:00", "2027-03-09T18:00", "2027-04-13T18:00", "2027-05-11T18:00", "2027-06-08T18:00",
        ].map { Self.utc($0, "Australia/Sydney") })
    }

    /// Found by the e2e corpus (vobject's recurrence-without-tz.ics, issue #12): an
    /// all-day series' DATE UNTIL was written as a UTC time, which RFC 5545 forbids with a
    /// DATE DTSTART, and came back from the round trip as a changed rule.
    @Test func anAllDaySeriesKeepsItsDateUntil() {
        let event = NetworkingEvent(id: 1, uid: "weekly", title: "Meeting", start: LocalDateTime("2013-01-17T00:00")!,
                                    timeZone: "Europe/Paris", duration: 86_400,
                                    recurrence: EventRecurrence(rrule: "FREQ=WEEKLY;UNTIL=20130330;BYDAY=TH"), reminders: [],
                                    isAllDay: true)
        let text = ICalendarWriter.write(reminders: [], meetings: [], events: [event], contactsByID: [:], now: Self.now)
        #expect(text.contains("RRULE:FREQ=WEEKLY;UNTIL=20130330;BYDAY=TH\r\n"), "\(text)")
    }

    @Test func aChangedOccurrenceIsExportedWithItsRecurrenceIDAndSequence() async throws {
        let original = LocalDateTime("2027-01-12T19:00")!.instant(in: TimeZone(identifier: "Europe/Paris")!)
        let series = NetworkingEvent(id: 1, uid: "weekly@example.org", title: "Founders", start: LocalDateTime("2027-01-05T19:00")!,
                                     timeZone: "Europe/Paris", duration: 7200,
                                     recurrence: EventRecurrence(rrule: "FREQ=WEEKLY;COUNT=4", exdates: [LocalDateTime("2027-01-12T19:00")!]),
                                     reminders: [], version: EventVersion(sequence: 2))
        let moved = NetworkingEvent(id: 2, uid: "weekly@example.org", title: "Founders", start: LocalDateTime("2027-01-13T20:00")!,
                                    timeZone: "Europe/Paris", duration: 7200, reminders: [], occurrenceID: .instant(original))
        let text = ICalendarWriter.write(reminders: [], meetings: [], events: [series, moved], contactsByID: [:], now: Self.now)
        #expect(text.contains("RECURRENCE-ID:20270112T180000Z\r\n") && text.contains("SEQUENCE:2\r\n"))
        #expect(try await PythonValidator.validate(text, fileExtension: "ics").status == 0)
    }

    @Test func invalidRuleIsLeftOutRatherThanBreakingTheFile() async throws {
        var event = Self.events[1]
        event.recurrence = EventRecurrence(rrule: "FREQ=FORTNIGHTLY")
        let text = ICalendarWriter.write(reminders: [], meetings: [], events: [event], contactsByID: [:], now: Self.now)
        #expect(!text.contains("RRULE"))
        #expect(try await PythonValidator.validate(text, fileExtension: "ics").status == 0)
    }

    @Test func emptyExportIsStillAValidCalendar() async throws {
        let text = ICalendarWriter.write(reminders: [], meetings: [], events: [], contactsByID: [:], now: Self.now)
        let outcome = try await PythonValidator.validate(text, fileExtension: "ics")
        #expect(outcome.status == 0, "validate.py: \(outcome.errors)")
    }
}

/// Issue #12: an export can be imported again without adding anything.
@Suite struct ICalendarWriterRoundTripTests {
    @Test func anAllDayEventIsWrittenAsADateWithItsOwnUID() {
        let event = NetworkingEvent(id: 7, uid: "founders-day@example.org", title: "Founders Day",
                                    start: LocalDateTime("2026-12-16T00:00")!, timeZone: "Europe/Paris", duration: 86_400,
                                    reminders: [], version: EventVersion(sequence: 2, stamp: instant("2026-11-01T00:00:00Z")),
                                    isAllDay: true)
        let text = ICalendarWriter.write(reminders: [], meetings: [], events: [event], contactsByID: [:],
                                         now: instant("2026-11-30T11:00:00Z"))
        #expect(text.contains("UID:founders-day@example.org\r\n"))
        #expect(text.contains("DTSTART;VALUE=DATE:20261216\r\nDURATION:P1D\r\n"))
        #expect(text.contains("SEQUENCE:2\r\nLAST-MODIFIED:20261101T000000Z\r\n"))
        #expect(!text.contains("TZID=Europe/Paris:20261216"))
    }

    @Test func relancesOwnRemindersAndMeetingsAreMarked() {
        let text = ICalendarWriter.write(reminders: ICalendarWriterTests.reminders, meetings: ICalendarWriterTests.meetings,
                                         events: [], contactsByID: ICalendarWriterTests.contacts, now: ICalendarWriterTests.now)
        #expect(text.contains("UID:meeting-10@relance\r\nX-RELANCE-KIND:meeting\r\n"))
        #expect(text.contains("UID:reminder-1@relance\r\nX-RELANCE-KIND:reminder\r\n"))
    }
}
