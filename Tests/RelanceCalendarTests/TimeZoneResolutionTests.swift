import Foundation
@testable import RelanceCalendar
import RelanceCore
import Testing

/// TZIDs that are not IANA names: Windows names through CLDR's whole table, and zones the
/// file defines itself in a VTIMEZONE, matched by their rules (issue #12).
@Suite struct TimeZoneResolutionTests {
    /// A calendar with one VEVENT at 2026-01-06 19:00 (and 2026-07-07 19:00) in `tzid`, and `vtimezone`.
    func events(tzid: String, vtimezone: String = "") throws -> [ICSEvent] {
        try ICSParser.events(fromICS: """
            BEGIN:VCALENDAR
            VERSION:2.0
            \(vtimezone)BEGIN:VEVENT
            UID:winter@x
            DTSTAMP:20260101T000000Z
            DTSTART;TZID="\(tzid)":20260106T190000
            END:VEVENT
            BEGIN:VEVENT
            UID:summer@x
            DTSTAMP:20260101T000000Z
            DTSTART;TZID="\(tzid)":20260707T190000
            END:VEVENT
            END:VCALENDAR
            """)
    }

    /// A VTIMEZONE as Outlook writes one: yearly rules from 1601, no X-LIC-LOCATION.
    func outlookZone(_ tzid: String, standard: String, daylight: String, toStandard: String, toDaylight: String,
                     standardStart: String = "16011028T030000", daylightStart: String = "16010325T020000") -> String {
        """
        BEGIN:VTIMEZONE
        TZID:\(tzid)
        BEGIN:STANDARD
        DTSTART:\(standardStart)
        RRULE:FREQ=YEARLY;\(toStandard)
        TZOFFSETFROM:\(daylight)
        TZOFFSETTO:\(standard)
        END:STANDARD
        BEGIN:DAYLIGHT
        DTSTART:\(daylightStart)
        RRULE:FREQ=YEARLY;\(toDaylight)
        TZOFFSETFROM:\(standard)
        TZOFFSETTO:\(daylight)
        END:DAYLIGHT
        END:VTIMEZONE

        """
    }

    func instants(_ events: [ICSEvent]) -> [Date] { events.map { $0.start.instant(in: $0.timeZone!) } }

    @Test func everyWindowsZoneNameOfCLDRMapsToAZoneThisSystemKnows() throws {
        #expect(try events(tzid: "New Zealand Standard Time").first?.timeZoneIdentifier == "Pacific/Auckland")
        #expect(try events(tzid: "Tasmania Standard Time").first?.timeZoneIdentifier == "Australia/Hobart")
        #expect(WindowsZones.iana.count == 139)
        for (name, identifier) in WindowsZones.iana {
            #expect(TimeZone(identifier: identifier) != nil, "\(name) → \(identifier)")
        }
        for name in ["W. Europe Standard Time", "Eastern Standard Time", "India Standard Time", "UTC-11", "Dateline Standard Time",
                     "Pacific SA Standard Time", "Greenland Standard Time", "Sri Lanka Standard Time"] {
            #expect(try events(tzid: name).first?.timeZone != nil, "\(name)")
        }
    }

    @Test func aCustomTZIDWithBerlinsRulesIsEuropeBerlin() throws {
        let zone = outlookZone("Europe_Berlin", standard: "+0100", daylight: "+0200",
                               toStandard: "BYDAY=-1SU;BYMONTH=10", toDaylight: "BYDAY=-1SU;BYMONTH=3")
        let found = try events(tzid: "Europe_Berlin", vtimezone: zone)
        #expect(found.map(\.timeZoneIdentifier) == ["Europe/Berlin", "Europe/Berlin"])
    }

    @Test func aCustomTZIDIsMatchedByItsRulesWhateverItsName() throws {
        // US Eastern rules (second Sunday of March, first Sunday of November), named as
        // Outlook names a zone it cannot name.
        let zone = outlookZone("Customized Time Zone", standard: "-0500", daylight: "-0400",
                               toStandard: "BYDAY=1SU;BYMONTH=11", toDaylight: "BYDAY=2SU;BYMONTH=3",
                               standardStart: "16011104T020000", daylightStart: "16010311T020000")
        let found = try events(tzid: "Customized Time Zone", vtimezone: zone)
        let newYork = TimeZone(identifier: "America/New_York")!
        #expect(instants(found) == [local("2026-01-06T19:00").instant(in: newYork), local("2026-07-07T19:00").instant(in: newYork)])
        // A zone without daylight saving, at +05:30.
        let india = "BEGIN:VTIMEZONE\nTZID:My zone\nBEGIN:STANDARD\nDTSTART:16010101T000000\nTZOFFSETFROM:+0530\nTZOFFSETTO:+0530\nEND:STANDARD\nEND:VTIMEZONE\n"
        let kolkata = TimeZone(identifier: "Asia/Kolkata")!
        #expect(try instants(events(tzid: "My zone", vtimezone: india)).first == local("2026-01-06T19:00").instant(in: kolkata))
    }

    @Test func rulesNoIANAZoneHasAreRejectedNamingTheTZID() throws {
        // Daylight saving from the first Sunday of February: no IANA zone does that at +01:00.
        let zone = outlookZone("Nowhere", standard: "+0100", daylight: "+0200",
                               toStandard: "BYDAY=1SU;BYMONTH=9", toDaylight: "BYDAY=1SU;BYMONTH=2")
        let error = try #require(throws: CalendarError.self) { try events(tzid: "Nowhere", vtimezone: zone) }
        #expect(error.code == .unknownTimeZone)
        #expect(error.description.contains("TZID 'Nowhere'") && error.description.contains("no VTIMEZONE in the file with that TZID has the rules of an IANA zone"))
    }
}
