import Foundation
@testable import RelanceCalendar
import RelanceCore
import RelanceTestKit
import Testing

@Suite struct ICSParserTests {
    /// The events of the fixture written by Python's icalendar (make_fixtures.py).
    func meetups() throws -> [ICSEvent] { try ICSParser.events(fromICS: Fixture.text("meetups.ics")) }

    @Test func readsEveryEventOfTheGeneratedFileInOrder() throws {
        let events = try meetups()
        #expect(events.map(\.uid) == [
            "founders-paris@relance.test", "founders-paris@relance.test", "coffee-ada@relance.test",
            "conf-2026@relance.test", "toronto-weekly@relance.test",
        ])
        // Lines point at each BEGIN:VEVENT of the (CRLF) file.
        let lines = try Fixture.text("meetups.ics").split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for event in events {
            let line = try #require(event.line)
            #expect(lines[line - 1] == "BEGIN:VEVENT")
        }
    }

    /// Two real files' ways (from the e2e corpus, issue #12): a TZID that is an IANA name
    /// behind the globally-unique "/" (Python icalendar's issue 466), and an RRULE with
    /// its separators escaped as text (Ruby's icalendar, vobject's ruby_rrule.ics).
    @Test func aSlashedIANATZIDAndAnEscapedRRULEAreRead() throws {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=/Europe/Stockholm:20221021T200000\r\n"
            + "RRULE:FREQ=DAILY\\;COUNT=10\r\nSUMMARY:Just chatting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let result = try ICSParser.parse(text)
        #expect(result.rejections.isEmpty)
        let event = try #require(result.events.first)
        #expect(event.timeZoneIdentifier == "Europe/Stockholm")
        #expect(event.recurrence?.rrule == "FREQ=DAILY;COUNT=10")
        #expect(event.line == 3)
    }

    @Test func recurringEventWithTZIDDurationAlarmsAndUnescapedText() throws {
        let event = try meetups()[0]
        #expect(event.summary == "Founders meetup, Paris")
        #expect(event.description == "Pitches, then drinks.\nBring cards; say hi to Ada.")
        #expect(event.location == "Station F, 5 Parvis Alan Turing, Paris")
        #expect(event.url == "https://example.com/founders")
        #expect(event.start == local("2026-01-06T19:00"))
        #expect(event.timeZoneIdentifier == "Europe/Paris")
        #expect(!event.isAllDay)
        #expect(event.end == nil)
        #expect(event.duration == "PT2H")
        // TRIGGER:-PT15M and TRIGGER:-P1D: seconds before the start.
        #expect(event.alarmOffsets == [900, 86_400])
        // ... and as leads that keep their calendar meaning: -P1D is one day before, the
        // same wall-clock time across a DST change, not 86 400 seconds.
        #expect(event.alarmLeads == [ISODuration(minutes: 15), ISODuration(days: 1)])
        let recurrence = try #require(event.recurrence)
        #expect(recurrence.rrule == "FREQ=MONTHLY;UNTIL=20261231T225959Z;BYDAY=1TU")
        // Its own EXDATE, then the occurrence the March override replaces.
        #expect(recurrence.exdates == [local("2026-08-04T19:00"), local("2026-03-03T19:00")])
    }

    @Test func importedSeriesExpandsToItsOccurrencesWithOverrideSeparate() throws {
        let events = try meetups()
        let series = events[0], moved = events[1]
        let paris = try #require(series.timeZone)
        let occurrences = try RecurrenceExpander.occurrences(
            start: series.start, zone: paris, recurrence: series.recurrence!, after: instant("2026-01-01T00:00:00Z"), limit: 50)
        // First Tuesdays of 2026 less March (moved) and August (EXDATE), up to UNTIL.
        #expect(occurrences.map { LocalDateTime($0, in: paris).date.description } == [
            "2026-01-06", "2026-02-03", "2026-04-07", "2026-05-05", "2026-06-02", "2026-07-07",
            "2026-09-01", "2026-10-06", "2026-11-03", "2026-12-01",
        ])
        #expect(occurrences.allSatisfy { LocalDateTime($0, in: paris).time == LocalTimeOfDay(hour: 19) })
        #expect(moved.recurrenceID == local("2026-03-03T19:00"))
        #expect(moved.start == local("2026-03-04T19:00"))
        #expect(moved.recurrence == nil)
    }

    @Test func utcEventWithAbsoluteAndEndRelatedAlarms() throws {
        let event = try meetups()[2]
        #expect(event.timeZoneIdentifier == "UTC")
        #expect(event.start == local("2026-03-10T15:00"))
        #expect(event.end == local("2026-03-10T15:30"))
        // TRIGGER:20260310T140000Z is an hour before; TRIGGER;RELATED=END:-PT5M is five
        // minutes before the 15:30 end, i.e. 25 minutes after the start.
        #expect(event.alarmOffsets == [3_600, -1_500])
        #expect(event.alarmLeads == [ISODuration(seconds: 3_600)])  // the one after the start is no lead
    }

    @Test func allDayEventHasNoZoneAndAnExclusiveEnd() throws {
        let event = try meetups()[3]
        #expect(event.isAllDay)
        #expect(event.timeZoneIdentifier == nil)
        #expect(event.start == local("2026-05-20T00:00"))
        #expect(event.end == local("2026-05-22T00:00"))
        #expect(event.recurrence == nil)
    }

    @Test func weeklyCountWithRdateAcrossTorontoSpringForward() throws {
        let event = try meetups()[4]
        let toronto = try #require(event.timeZone)
        #expect(event.recurrence?.rdates == [local("2026-03-14T10:00")])
        let occurrences = try RecurrenceExpander.occurrences(
            start: event.start, zone: toronto, recurrence: event.recurrence!, after: instant("2026-01-01T00:00:00Z"), limit: 10)
        // Four Thursdays at 08:00 (EST, then EDT from 2026-03-08) plus the Saturday RDATE.
        #expect(occurrences == [
            instant("2026-03-05T13:00:00Z"), instant("2026-03-12T12:00:00Z"), instant("2026-03-14T14:00:00Z"),
            instant("2026-03-19T12:00:00Z"), instant("2026-03-26T12:00:00Z"),
        ])
    }

    @Test func registryPrefixedAndWindowsZoneNamesMapToIANA() throws {
        let text = """
        BEGIN:VCALENDAR
        BEGIN:VEVENT
        UID:a@x
        DTSTART;TZID=/freeassociation.sourceforge.net/Tzfile/Europe/Paris:20260106T190000
        END:VEVENT
        BEGIN:VEVENT
        UID:b@x
        DTSTART;TZID="Romance Standard Time":20260106T190000
        END:VEVENT
        BEGIN:VEVENT
        UID:c@x
        DTSTART;TZID=Custom Paris:20260106T190000
        END:VEVENT
        BEGIN:VTIMEZONE
        TZID:Custom Paris
        X-LIC-LOCATION:Europe/Paris
        END:VTIMEZONE
        END:VCALENDAR
        """
        let events = try ICSParser.events(fromICS: text)
        #expect(events.map(\.timeZoneIdentifier) == ["Europe/Paris", "Europe/Paris", "Europe/Paris"])
    }

    @Test func exdateInUTCBecomesWallClockTimeInTheEventsZone() throws {
        let text = """
        BEGIN:VCALENDAR
        BEGIN:VEVENT
        UID:weekly@x
        DTSTART;TZID=Europe/Paris:20260317T190000
        RRULE:FREQ=WEEKLY
        EXDATE:20260331T170000Z
        EXDATE;VALUE=DATE:20260407
        END:VEVENT
        END:VCALENDAR
        """
        let event = try #require(try ICSParser.events(fromICS: text).first)
        #expect(event.recurrence?.exdates == [local("2026-03-31T19:00"), local("2026-04-07T19:00")])
    }

    @Test func unknownTimeZoneNamesLineAndUID() throws {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:mars@x\nSUMMARY:Launch\nDTSTART;TZID=Mars/Olympus_Mons:20260106T190000\nEND:VEVENT\nEND:VCALENDAR\n"
        let error = try #require(throws: CalendarError.self) { try ICSParser.events(fromICS: text) }
        #expect(error.code == .unknownTimeZone)
        #expect(error.description.hasPrefix("line 5 (UID mars@x): DTSTART has TZID 'Mars/Olympus_Mons'"))
        #expect(error.description.contains("IANA"))
    }

    @Test func misspelledRuleInFileNamesLineAndPart() throws {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:r@x\nDTSTART:20260106T190000Z\nRRULE:FREQ=WEEKLYY\nEND:VEVENT\nEND:VCALENDAR\n"
        let error = try #require(throws: CalendarError.self) { try ICSParser.events(fromICS: text) }
        #expect(error.code == .invalidRecurrenceRule)
        #expect(error.description.hasPrefix("line 5 (UID r@x): 'FREQ=WEEKLYY' is not a valid RRULE"))
    }

    @Test func subDailyRuleInFileIsRefused() throws {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:h@x\nDTSTART:20260106T190000Z\nRRULE:FREQ=HOURLY\nEND:VEVENT\nEND:VCALENDAR\n"
        let error = try #require(throws: CalendarError.self) { try ICSParser.events(fromICS: text) }
        #expect(error.line == 5)
        #expect(error.description.contains("at most daily"))
    }

    /// Real exports lack a UID now and then: the event gets a stable synthetic one, so a
    /// re-import finds it again instead of adding it twice.
    @Test func anEventWithoutUIDGetsAStableSyntheticOne() throws {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260106T190000Z\nSUMMARY:Drinks\nEND:VEVENT\nEND:VCALENDAR\n"
        let first = try #require(try ICSParser.events(fromICS: text).first)
        let again = try #require(try ICSParser.events(fromICS: text).first)
        #expect(first.uid.hasPrefix("synthetic-") && first.uid.hasSuffix("@relance"))
        #expect(first.uid == again.uid)
        let other = try #require(try ICSParser.events(fromICS: text.replacingOccurrences(of: "Drinks", with: "Lunch")).first)
        #expect(other.uid != first.uid)
    }

    @Test func unreadableStartIsReportedNotTakenAsMissing() throws {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:g@x\nDTSTART:tomorrow\nEND:VEVENT\nEND:VCALENDAR\n"
        let error = try #require(throws: CalendarError.self) { try ICSParser.events(fromICS: text) }
        #expect(error.line == 4)
        #expect(error.description.contains("the DTSTART value cannot be read"))
    }

    @Test(arguments: [
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:n@x\nEND:VEVENT\nEND:VCALENDAR\n", "no DTSTART"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:d@x\nDTSTART:20260106T190000Z\nDTEND:20260106T200000Z\nDURATION:PT1H\nEND:VEVENT\nEND:VCALENDAR\n",
         "both DTEND and DURATION"),
        ("just some text", "not an iCalendar file"),
    ])
    func unusableInputSaysWhatIsMissing(_ text: String, _ hint: String) {
        let error = #expect(throws: CalendarError.self) { try ICSParser.events(fromICS: text) }
        #expect(error?.description.contains(hint) == true, "\(error?.description ?? "no error")")
    }

    @Test func anUnfoldedLineOverTheLimitIsRefusedWithItsLineNumber() throws {
        // Given a DESCRIPTION written on one line just over the limit, and one folded
        let long = String(repeating: "x", count: ICSDocument.maximumLineLength)
        let head = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:long@x\r\nDTSTART:20260106T190000Z\r\n"
        let unfolded = head + "DESCRIPTION:\(long)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        let folded = head + "DESCRIPTION:" + stride(from: 0, to: long.count, by: 74).map { offset in
            String(long.dropFirst(offset).prefix(74))
        }.joined(separator: "\r\n ") + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

        // Then the unfolded one is refused at its line, before libical reads it
        let error = #expect(throws: CalendarError.self) { try ICSParser.events(fromICS: unfolded) }
        #expect(error?.line == 5)
        #expect(error?.description.contains("folded at 75 octets") == true)
        // and the folded one, as long once unfolded, is read whole
        #expect(try ICSParser.events(fromICS: folded).first?.description?.count == long.count)
    }

    @Test func anENDBeforeItsBEGINIsReadWithoutLineNumbers() throws {
        // Found by fuzzing: the line ranges of the events trapped (END line < BEGIN line).
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz-end-before-begin.ics")
        let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
        let events = try? ICSParser.events(fromICS: text)
        #expect(events?.allSatisfy { $0.line == nil } ?? true)
    }

    @Test func byteOrderMarkAndBareLineFeedsAreAccepted() throws {
        let text = "\u{FEFF}BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:bom@x\nDTSTART;VALUE=DATE:20260520\nEND:VEVENT\nEND:VCALENDAR\n"
        let events = try ICSParser.events(fromICS: text)
        #expect(events.map(\.uid) == ["bom@x"])
        #expect(events.first?.line == 2)
    }

    @Test func eventRoundTripsThroughJSON() throws {
        let event = try meetups()[0]
        let data = try JSONEncoder().encode(event)
        #expect(try JSONDecoder().decode(ICSEvent.self, from: data) == event)
    }
}

/// Issue #12: every unreadable VEVENT is its own rejection; the others are read.
@Suite struct ICSParserRejectionTests {
    @Test func eachUnreadableEventIsRejectedWithItsLineAndTheOthersAreRead() throws {
        let text = """
            BEGIN:VCALENDAR\r
            VERSION:2.0\r
            BEGIN:VEVENT\r
            UID:ok@x\r
            DTSTART:20261210T180000Z\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            UID:no-start@x\r
            SUMMARY:No start\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            UID:bad-rule@x\r
            DTSTART:20261210T180000Z\r
            RRULE:FREQ=WEEKLYY\r
            END:VEVENT\r
            END:VCALENDAR\r

            """
        let result = try ICSParser.parse(text)
        #expect(result.events.map(\.uid) == ["ok@x"])
        #expect(result.rejections.map(\.line) == [7, 14])
        #expect(result.rejections.map(\.uid) == ["no-start@x", "bad-rule@x"])
        #expect(result.vevents == 3)
        // The throwing form still stops at the first.
        #expect(throws: CalendarError.self) { try ICSParser.events(fromICS: text) }
    }

    @Test func relancesOwnExportMarkIsRead() throws {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:reminder-4@relance\r\nX-RELANCE-KIND:reminder\r\n"
            + "DTSTART:20261210T180000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        #expect(try ICSParser.events(fromICS: text).map(\.relanceKind) == ["reminder"])
    }
}
