import Foundation

/// Maps the TZIDs found in iCalendar files to IANA time zones.
///
/// A file's own VTIMEZONE is usually a copy of an IANA zone, so we keep the IANA zone
/// (every system has the database, and it knows future rule changes): a TZID leads to an
/// IANA name directly or by one of the cheap routes below, and only when none does is the
/// file's VTIMEZONE compared with the IANA zones' rules (`VTimezoneMatcher`).
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
        // "/citadel.org/20190914_1/Europe/Paris"), or none ("/Europe/Stockholm", Python
        // icalendar's issue 466). Try the whole, then ever shorter suffixes.
        if name.hasPrefix("/") {
            let parts = name.split(separator: "/")
            for drop in 0..<parts.count {
                if let zone = iana(parts.dropFirst(drop).joined(separator: "/")) { return zone }
            }
        }
        if let location, let zone = iana(location.trimmingCharacters(in: .whitespaces)) { return zone }
        if let mapped = WindowsZones.iana[name] { return TimeZone(identifier: mapped) }
        return nil
    }

    /// An IANA identifier Foundation knows; abbreviations like "EST" are not accepted,
    /// since they are ambiguous across the world.
    private static func iana(_ name: String) -> TimeZone? {
        guard !name.isEmpty, name.contains("/") || name == "UTC" || name == "GMT" else { return nil }
        return TimeZone(identifier: name)
    }
}
