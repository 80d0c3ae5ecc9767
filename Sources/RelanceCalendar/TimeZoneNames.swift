import Foundation

/// Maps the TZIDs found in iCalendar files to IANA time zones.
///
/// We do not interpret VTIMEZONE rules: every system already has the IANA database, and a
/// file's own VTIMEZONE is usually a stale copy of it. So a TZID must lead to an IANA name,
/// directly or by one of the cheap routes below.
enum TimeZoneNames {
    /// The zone for `tzid`, or nil when no route leads to an IANA name.
    ///
    /// - `location`: the X-LIC-LOCATION of the file's VTIMEZONE with that TZID, which
    ///   Evolution, Thunderbird and libical itself write with the IANA name.
    static func zone(forTZID tzid: String, location: String? = nil) -> TimeZone? {
        let name = tzid.trimmingCharacters(in: .whitespaces)
        if let zone = iana(name) { return zone }
        // RFC 5545 §3.2.19: a leading "/" marks a globally unique id; in practice a
        // registry prefix before the IANA name ("/freeassociation.sourceforge.net/Tzfile/Europe/Paris",
        // "/citadel.org/20190914_1/Europe/Paris"). Try ever shorter suffixes.
        if name.hasPrefix("/") {
            let parts = name.split(separator: "/")
            for drop in 1..<max(parts.count, 1) {
                if let zone = iana(parts.dropFirst(drop).joined(separator: "/")) { return zone }
            }
        }
        if let location, let zone = iana(location.trimmingCharacters(in: .whitespaces)) { return zone }
        if let mapped = windows[name] { return TimeZone(identifier: mapped) }
        return nil
    }

    /// An IANA identifier Foundation knows; abbreviations like "EST" are not accepted,
    /// since they are ambiguous across the world.
    private static func iana(_ name: String) -> TimeZone? {
        guard !name.isEmpty, name.contains("/") || name == "UTC" || name == "GMT" else { return nil }
        return TimeZone(identifier: name)
    }

    /// The most common Windows zone names Outlook and Exchange write, with the IANA zone
    /// CLDR's windowsZones.xml maps each to for territory "001". Deliberately short:
    /// anything else is reported so the user can export with IANA names.
    static let windows: [String: String] = [
        "UTC": "UTC",
        "GMT Standard Time": "Europe/London",
        "Greenwich Standard Time": "Atlantic/Reykjavik",
        "W. Europe Standard Time": "Europe/Berlin",
        "Romance Standard Time": "Europe/Paris",
        "Central Europe Standard Time": "Europe/Budapest",
        "Central European Standard Time": "Europe/Warsaw",
        "FLE Standard Time": "Europe/Kiev",
        "GTB Standard Time": "Europe/Bucharest",
        "Eastern Standard Time": "America/New_York",
        "Central Standard Time": "America/Chicago",
        "Mountain Standard Time": "America/Denver",
        "Pacific Standard Time": "America/Los_Angeles",
        "India Standard Time": "Asia/Kolkata",
        "China Standard Time": "Asia/Shanghai",
        "Tokyo Standard Time": "Asia/Tokyo",
        "Singapore Standard Time": "Asia/Singapore",
        "AUS Eastern Standard Time": "Australia/Sydney",
    ]
}
