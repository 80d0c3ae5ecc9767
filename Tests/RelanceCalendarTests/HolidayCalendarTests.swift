import RelanceCalendar
import RelanceCore
import Testing

@Suite struct HolidayCalendarTests {
    @Test func yearlyRulesRdatesAndSpansFromGeneratedFile() throws {
        // Given the fixture written by Python's icalendar (make_fixtures.py)
        let text = try Fixture.text("holidays.ics")
        // When expanded through 2028
        let days = try HolidayCalendar.holidays(fromICS: text, through: LocalDate(year: 2028, month: 12, day: 31))
        // Then yearly holidays repeat, COUNT stops Bastille Day after three years, Easter
        // Monday comes from its RDATEs and the closure covers each day up to its DTEND.
        #expect(days.map(\.description) == [
            "2026-01-01", "2026-04-06", "2026-05-01", "2026-07-14", "2026-12-25",
            "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31",
            "2027-01-01", "2027-03-29", "2027-05-01", "2027-07-14", "2027-12-25",
            "2028-01-01", "2028-04-17", "2028-05-01", "2028-07-14", "2028-12-25",
        ])
    }

    @Test func withoutEndARecurringHolidayRunsTenYearsFromItsStart() throws {
        let days = try HolidayCalendar.holidays(fromICS: Fixture.text("holidays.ics"))
        let christmases = days.filter { $0.month == 12 && $0.day == 25 }.map(\.year)
        // 2026…2036 inclusive, less the EXDATE of 2030.
        #expect(christmases == [2026, 2027, 2028, 2029, 2031, 2032, 2033, 2034, 2035, 2036])
    }

    @Test func nthWeekdayRuleAndDateTimeStart() throws {
        let text = """
        BEGIN:VCALENDAR
        VERSION:2.0
        BEGIN:VEVENT
        UID:thanksgiving@example.com
        DTSTART;VALUE=DATE:20261126
        RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=4TH
        END:VEVENT
        BEGIN:VEVENT
        UID:timed@example.com
        DTSTART;TZID=America/New_York:20260704T000000
        END:VEVENT
        END:VCALENDAR
        """
        let days = try HolidayCalendar.holidays(fromICS: text, through: LocalDate(year: 2028, month: 12, day: 31))
        #expect(days.map(\.description) == ["2026-07-04", "2026-11-26", "2027-11-25", "2028-11-23"])
    }

    @Test func holidayWithoutStartIsReportedWithItsLine() throws {
        let text = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:ok@x\nDTSTART;VALUE=DATE:20260101\nEND:VEVENT\n"
            + "BEGIN:VEVENT\nUID:broken@x\nSUMMARY:No date\nEND:VEVENT\nEND:VCALENDAR\n"
        let error = try #require(throws: CalendarError.self) { try HolidayCalendar.holidays(fromICS: text) }
        #expect(error.line == 7)
        #expect(error.uid == "broken@x")
        #expect(error.description.hasPrefix("line 7 (UID broken@x): the holiday has no DTSTART"))
    }

    @Test func notAnICalendarFileIsRefused() throws {
        let error = try #require(throws: CalendarError.self) { try HolidayCalendar.holidays(fromICS: "Christmas, 25 December") }
        #expect(error.code == .invalidCalendar)
        #expect(error.description.contains("BEGIN:VCALENDAR"))
    }
}

/// Issue #12: a holiday calendar imported as events would bring an RSVP prompt per day.
@Suite struct HolidayCalendarDetectionTests {
    @Test func aCalendarOfAllDayYearlyEventsWithoutAttendeesLooksLikeHolidays() throws {
        #expect(HolidayCalendar.looksLikeHolidays(try ICSParser.events(fromICS: Fixture.text("holidays.ics"))))
    }

    @Test func meetupsAndAFewAllDayEventsDoNot() throws {
        #expect(!HolidayCalendar.looksLikeHolidays(try ICSParser.events(fromICS: Fixture.text("meetups.ics"))))
        let day = { (uid: String, date: String, attendees: Bool) in
            ICSEvent(uid: uid, summary: uid, start: LocalDateTime(date + "T00:00")!, isAllDay: true,
                     recurrence: Recurrence(rrule: "FREQ=YEARLY"), hasAttendees: attendees)
        }
        // Two all-day events are not a calendar of holidays; an invited one is a meeting.
        #expect(!HolidayCalendar.looksLikeHolidays([day("a", "2026-12-16", false), day("b", "2026-12-17", false)]))
        #expect(!HolidayCalendar.looksLikeHolidays([day("a", "2026-12-16", false), day("b", "2026-12-17", false),
                                                    day("c", "2026-12-18", true)]))
        // Google lists each year's date: a title that comes back in another year is yearly.
        let google = ["2026-01-01", "2027-01-01", "2026-05-01", "2027-05-01"].enumerated().map { index, date in
            ICSEvent(uid: "g\(index)", summary: index < 2 ? "New Year" : "Labour Day", start: LocalDateTime(date + "T00:00")!, isAllDay: true)
        }
        #expect(HolidayCalendar.looksLikeHolidays(google))
        // One birthday's changed occurrences, one UID (Google's birthdays calendar, as a
        // Relance export writes it back without its ATTENDEE): one series, no holidays.
        let birthday = ["2012-12-10", "2013-12-10", "2014-12-10"].map { date in
            ICSEvent(uid: "BIRTHDAY@google.com", summary: "Ada's birthday", start: LocalDateTime(date + "T00:00")!, isAllDay: true,
                     recurrenceID: LocalDateTime(date + "T00:00")!)
        }
        #expect(!HolidayCalendar.looksLikeHolidays(birthday))
    }
}
