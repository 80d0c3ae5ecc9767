import RelanceCalendar
import Testing

@Suite struct RecurrenceRuleValidationTests {
    @Test(arguments: [
        "FREQ=MONTHLY;BYDAY=1TU", "freq=weekly;byday=tu", "FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO",
        "FREQ=DAILY;INTERVAL=2;UNTIL=20261231T230000Z", "FREQ=WEEKLY;COUNT=10;WKST=MO", " FREQ=DAILY;BYHOUR=9,14 ",
    ])
    func acceptsRulesRelanceExpands(_ rule: String) throws {
        try RecurrenceExpander.validate(rrule: rule)
    }

    /// A bad rule and a piece of the message that tells the user what to change.
    @Test(arguments: [
        ("FREQ=WEEKLYY", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not 'WEEKLYY'"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY=XX is malformed or out of range"),
        ("FREQ=DAILY;BYMONTHDAY=40", "BYMONTHDAY=40 is malformed or out of range"),
        ("BYDAY=TU", "it has no FREQ part"),
        ("RRULE:FREQ=DAILY", "write 'FREQ=DAILY'"),
        ("FREQ=HOURLY", "at most daily"),
        ("FREQ=MONTHLY;BYDAY=6TU", "no date can ever match it"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20260101", "COUNT and UNTIL exclude each other"),
        ("FREQ=DAILY;FOO=1", "'FOO' is not an RRULE part"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ appears twice"),
        ("FREQ=DAILY;COUNT", "'COUNT' is not a NAME=VALUE part"),
        ("", "it is empty"),
    ])
    func refusesBadRuleSayingWhatToChange(_ rule: String, _ hint: String) {
        let error = #expect(throws: CalendarError.self) { try RecurrenceExpander.validate(rrule: rule) }
        #expect(error?.code == .invalidRecurrenceRule)
        #expect(error?.description.contains(hint) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains("is not a valid RRULE") == true)
    }

    @Test func misspelledFrequencyMessageShowsAValidExample() throws {
        let error = try #require(throws: CalendarError.self) { try RecurrenceExpander.validate(rrule: "FREQ=WEEKLYY") }
        #expect(error.description == "'FREQ=WEEKLYY' is not a valid RRULE: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, "
                + "not 'WEEKLYY'; write e.g. FREQ=WEEKLY;BYDAY=TU")
    }

    @Test func normalizedRuleIsLibicalsCanonicalText() throws {
        #expect(try RecurrenceExpander.normalized(rrule: "byday=tu;freq=weekly") == "FREQ=WEEKLY;BYDAY=TU")
    }
}
