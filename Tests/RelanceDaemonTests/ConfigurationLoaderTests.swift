import Foundation
import RelanceCore
import RelanceDaemon
import Testing

@Suite struct ConfigurationLoaderTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../etc/relance/config.toml").standardized.path

    @Test func theShippedExampleParses() throws {
        let configuration = try ConfigurationLoader.load(path: Self.example, required: true)
        #expect(configuration.timeZone.identifier == "Europe/Paris")
        #expect(configuration.followUp == .standard)
        #expect(configuration.rules.window.hours[.monday] == [ClockRange("09:00-18:00")!])
        #expect(configuration.rules.window.hours[.saturday] == nil)
        #expect(configuration.databasePath?.hasSuffix("/.local/state/relance/relance.sqlite") == true)
    }

    @Test func anEmptyFileGivesTheDefaults() throws {
        #expect(try ConfigurationLoader.parse("", path: "c.toml") == Configuration())
        #expect(Configuration().followUp == .standard)
    }

    @Test func aMissingOptionalFileGivesTheDefaults() throws {
        #expect(try ConfigurationLoader.load(path: "/nonexistent/relance.toml", required: false) == Configuration())
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(path: "/nonexistent/relance.toml", required: true) }
    }

    @Test(arguments: [
        ("[follow_up]\ndelay = \"P7\"\n", "c.toml:2: "),
        ("\n\n[user]\ntime_zone = \"Mars/Olympus\"\n", "c.toml:4: 'Mars/Olympus' is not an IANA time zone"),
        ("[store]\ndatabase = \"x\"\n[colour]\n", "c.toml:3: unknown section [colour]"),
        ("[follow_up]\n\ndelai = \"P7D\"\n", "c.toml:3: unknown key 'delai' in [follow_up]"),
        ("[follow_up]\ndelay = 7\n", "c.toml:2: 'delay' must be a string"),
        ("[user\ntime_zone = 1\n", "c.toml:1: "),
        ("store = 1\n", "c.toml:1: 'store' must be a section"),
        ("[window]\nhours = [\"18:00-09:00\"]\n", "c.toml:2: '18:00-09:00' is not a range of hours"),
        ("[calendar]\ndays_off = [\"funday\"]\n", "c.toml:2: 'funday' is not a day of the week"),
        ("[window]\ndays = [\"wed\", \"wednesday\"]\n", "c.toml:2: wednesday is listed twice"),
        ("[calendar]\nholidays = [\"2026-13-01\"]\n", "c.toml:2: '2026-13-01' is not a date"),
        ("[calendar]\nholidays = [\"2026-02-30\"]\n", "c.toml:2: '2026-02-30' is not a date"),
        ("[calendar]\nholidays = [\"2026-04-31\"]\n", "c.toml:2: '2026-04-31' is not a date"),
        ("[follow_up]\npolicy = \"pushy\"\n", "c.toml:2: 'pushy' is not one of gentle, standard, persistent"),
        ("[follow_up]\nsteps = [\"7bd\", \"soon\"]\n", "c.toml:2: "),
        // Headers TOMLKit's toml++ asserts on (the process aborted; found by fuzzing).
        ("[desktop]\nenabled = true\n[<\n", "c.toml:3: a table name cannot start with '<'"),
        ("[\n", "c.toml:1: a table name cannot start with the end of the line"),
        ("  [[#]]\n", "c.toml:1: a table name cannot start with '#'"),
        ("[[[o\n", "c.toml:1: a table name cannot start with '['"),
        ("\r\n[\u{18}", "c.toml:2: a table name cannot start with '\u{18}'"),
        ("\u{FEFF}[\u{1}", "c.toml:1: a table name cannot start with '\u{1}'"),
        ("pitch = \"\"\"\n[<\n\"\"\"\n", "c.toml:2: a table name cannot start with '<'"),
    ])
    func errorsNameFileAndLine(_ text: String, _ expectedPrefix: String) {
        #expect {
            _ = try ConfigurationLoader.parse(text, path: "c.toml")
        } throws: { error in
            "\(error)".hasPrefix(expectedPrefix)
        }
    }

    static let team = "[store]\nurl = \"postgresql://relance@/relance?host=/run/postgresql\"\n"
    static let sendmail = "[mail]\ntransport = \"sendmail\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\n"

    @Test func aTeamNodeReadsItsPoolSize() throws {
        #expect(try ConfigurationLoader.parse(Self.team, path: "c.toml").teamStore?.poolSize == 4)
        #expect(try ConfigurationLoader.parse(Self.team + "pool_size = 12\n", path: "c.toml").teamStore?.poolSize == 12)
    }

    @Test func aTeamNodeReadsItsDeliveryLease() throws {
        #expect(try ConfigurationLoader.parse(Self.team, path: "c.toml").teamStore?.deliveryLease == 120)
        let set = try ConfigurationLoader.parse(Self.team + "delivery_lease = \"PT5M\"\n" + Self.sendmail, path: "c.toml")
        #expect(set.teamStore?.deliveryLease == 300)
    }

    /// The daily digest per team user (issue #16): no longer refused on a team node.
    @Test(arguments: [MailSettings.Mode.digest, .both])
    func aTeamNodeSendsTheDailyDigest(_ mode: MailSettings.Mode) throws {
        let parsed = try ConfigurationLoader.parse(Self.team + Self.sendmail + "mode = \"\(mode)\"\ndigest_time = \"07:30\"\n",
                                                   path: "c.toml")
        #expect(parsed.channels.mail?.mode == mode)
        #expect(parsed.channels.mail?.digestTime == LocalTimeOfDay(hour: 7, minute: 30))
    }

    @Test(arguments: [
        (team + sendmail + "mode = \"digest\"\ndigest_time = \"7h30\"\n", "c.toml:8: '7h30' is not a time like 08:00"),
        (team + sendmail + "mode = \"daily\"\n", "c.toml:7: 'daily' is not one of each, digest, both"),
        (team + "delivery_lease = \"PT30S\"\n" + sendmail + "timeout = \"PT45S\"\n", "c.toml:3: must be longer than [mail] timeout (45 s)"),
        (team + "delivery_lease = \"PT0S\"\n", "c.toml:3: must be at least PT1S"),
        ("[store]\ndelivery_lease = \"PT5M\"\n", "c.toml:2: delivery_lease is for team mode"),
        ("[store]\npool_size = 4\n", "c.toml:2: pool_size is for team mode"),
        (team + "pool_size = 0\n", "c.toml:3: 'pool_size' must be a whole number of connections from 1 to 64"),
        (team + "pool_size = \"8\"\n", "c.toml:3: 'pool_size' must be a whole number of connections from 1 to 64"),
    ])
    func teamDeliverySettingsNameFileAndLine(_ text: String, _ expectedPrefix: String) {
        #expect {
            _ = try ConfigurationLoader.parse(text, path: "c.toml")
        } throws: { error in
            "\(error)".hasPrefix(expectedPrefix)
        }
    }

    @Test func aTeamNodeMapsUIDsToTeamUsers() throws {
        let parsed = try ConfigurationLoader.parse(Self.team + "[team.users]\nlea = 1000\n\"sam.b\" = 1001\n", path: "c.toml")
        #expect(parsed.teamUsers == TeamUsers(byUID: [1000: "lea", 1001: "sam.b"]))
        #expect(try ConfigurationLoader.parse(Self.team, path: "c.toml").teamUsers.isEmpty)
    }

    @Test func aTeamNodesScreenIsTheUserItNamesElseTheOneItRunsAs() throws {
        let users = "[team.users]\nlea = 1000\nsam = 1001\n"
        let named = try ConfigurationLoader.parse(Self.team + users + "[desktop]\nuser = \"sam\"\n", path: "c.toml")
        #expect(named.channels.screenUser(teamUsers: named.teamUsers, uid: 1000) == "sam")
        let unnamed = try ConfigurationLoader.parse(Self.team + users + "[desktop]\nenabled = true\n", path: "c.toml")
        #expect(unnamed.channels.screenUser(teamUsers: unnamed.teamUsers, uid: 1000) == "lea")
        #expect(unnamed.channels.screenUser(teamUsers: unnamed.teamUsers, uid: 0) == nil)
        let off = try ConfigurationLoader.parse(Self.team + users + "[desktop]\nenabled = false\n", path: "c.toml")
        #expect(off.channels.screenUser(teamUsers: off.teamUsers, uid: 1000) == nil)
    }

    @Test(arguments: [
        (team + "[team.users]\nlea = 1000\n[desktop]\nuser = \"leah\"\n",
         "c.toml:6: 'leah' is no team user ([team.users] names lea)"),
        (team + "[desktop]\nuser = \"lea\"\n", "c.toml:4: 'lea' is no team user ([team.users] names nobody)"),
        ("[desktop]\nuser = \"lea\"\n", "c.toml:2: user is for a team node"),
        (team + "[team.users]\nlea = 1000\nsam = 1000\n", "c.toml:5: uid 1000 is given to both lea and sam"),
        (team + "[team.users]\nlea = \"1000\"\n", "c.toml:4: 'lea' must be a local uid"),
        (team + "[team.users]\n\"a b\" = 1000\n", "c.toml:4: 'a b' is not a team user name"),
        (team + "[team]\nusers = 1\n", "c.toml:4: write the users as a table"),
        ("[team.users]\nlea = 1000\n", "c.toml:1: [team.users] is for team mode"),
    ])
    func wrongTeamUsersNameFileAndLine(_ text: String, _ expectedPrefix: String) {
        #expect {
            _ = try ConfigurationLoader.parse(text, path: "c.toml")
        } throws: { error in
            "\(error)".hasPrefix(expectedPrefix)
        }
    }
}

@Suite struct ConfigurationTimingTests {
    @Test func windowCalendarAndSequenceComeFromTheFile() throws {
        let text = """
            [user]
            time_zone = "America/Toronto"
            [calendar]
            days_off = ["friday", "saturday"]
            holidays = ["2026-12-25"]
            [window]
            days = ["sun", "mon", "tue", "wed", "thu"]
            hours = ["08:30-12:00", "13:00-17:00"]
            [follow_up]
            steps = ["5bd", "P14D"]
            let_go = "never"
            polite_time = "10:00"
            [events]
            reminders = ["P3D", "PT1H"]
            """
        let rules = try ConfigurationLoader.parse(text, path: "c.toml").rules
        #expect(rules.userZone.identifier == "America/Toronto")
        #expect(rules.calendar.daysOff == [.friday, .saturday])
        #expect(rules.calendar.holidays == [LocalDate("2026-12-25")!])
        #expect(rules.window.hours[.sunday] == [ClockRange("08:30-12:00")!, ClockRange("13:00-17:00")!])
        #expect(rules.window.hours[.friday] == nil)
        #expect(rules.window.holidays == [LocalDate("2026-12-25")!])
        #expect(rules.followUp == FollowUpPolicy(nudges: [.businessDays(5), .duration(ISODuration(days: 14))], letGo: nil))
        #expect(rules.politeTime == LocalTimeOfDay(hour: 10))
        #expect(rules.eventReminders == [ISODuration(days: 3), ISODuration(hours: 1)])
    }
}

@Suite struct HolidaysFileTests {
    @Test func holidaysFromAnICSFileJoinTheCalendarAndTheWindow() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relance-holidays-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ics = directory.appendingPathComponent("holidays.ics")
        try """
            BEGIN:VCALENDAR\r
            VERSION:2.0\r
            PRODID:-//test//test//EN\r
            BEGIN:VEVENT\r
            UID:christmas@test\r
            DTSTAMP:20260101T000000Z\r
            DTSTART;VALUE=DATE:20261225\r
            RRULE:FREQ=YEARLY\r
            SUMMARY:Christmas\r
            END:VEVENT\r
            END:VCALENDAR\r

            """.write(to: ics, atomically: true, encoding: .utf8)
        let rules = try ConfigurationLoader.parse("[calendar]\nholidays_file = \"\(ics.path)\"\n", path: "c.toml").rules
        #expect(rules.calendar.holidays.contains(LocalDate("2026-12-25")!))
        #expect(rules.calendar.holidays.contains(LocalDate("2027-12-25")!))
        #expect(rules.window.holidays.contains(LocalDate("2027-12-25")!))
        #expect(throws: ConfigurationError.self) {
            try ConfigurationLoader.parse("[calendar]\nholidays_file = \"/nonexistent.ics\"\n", path: "c.toml")
        }
    }
}
