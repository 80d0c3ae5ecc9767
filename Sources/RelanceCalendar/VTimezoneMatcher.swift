import CICal
import Foundation

/// Finds the IANA zone a file's own VTIMEZONE describes, for TZIDs no name leads to
/// ("Europe_Berlin", "Customized Time Zone", a localized Windows name): the zone whose UTC
/// offset equals the VTIMEZONE's (as libical expands its STANDARD/DAYLIGHT rules) at
/// every sampled instant of the years the file's events are in (issue #12).
///
/// Call with the libical lock held (`Libical.serialized`).
enum VTimezoneMatcher {
    /// Every six hours: close enough to tell apart zones that change on different days,
    /// and cheap (about 1 500 samples a year, after a two-instant pre-filter).
    static let step: TimeInterval = 6 * 3600
    /// From 03:00 UTC: off the hours most zones change at (01:00 UTC in Europe, 06:00 and
    /// 07:00 UTC in North America), so a sample never sits on a change itself.
    static let firstSample: TimeInterval = 3 * 3600

    /// The IANA zone matching `vtimezone` over `years` (UTC calendar years), or nil.
    ///
    /// Several IANA zones share rules (Europe/Berlin, Europe/Paris, Europe/Rome…): they give
    /// the same instants, so any is right; we prefer one whose name the TZID spells
    /// ("Europe_Berlin"), then one CLDR uses to represent a Windows zone, then the first
    /// by name, so the choice is stable.
    static func match(_ vtimezone: OpaquePointer, tzid: String, years: ClosedRange<Int>) -> TimeZone? {
        guard let copy = icalcomponent_new_clone(vtimezone), let zone = icaltimezone_new() else { return nil }
        defer { icaltimezone_free(zone, 1) }  // frees `copy` with it
        guard icaltimezone_set_component(zone, copy) != 0 else {
            icalcomponent_free(copy)
            return nil
        }
        let utc = TimeZone(identifier: "UTC")!
        let calendar = Calendar.gregorian(utc)
        func start(of year: Int) -> Date { calendar.date(from: DateComponents(year: year, month: 1, day: 1))! }
        func offset(_ instant: Date) -> Int {
            var time = icaltime_from_timet_with_zone(time_t(instant.timeIntervalSince1970), 0, icaltimezone_get_utc_timezone())
            var isDaylight: Int32 = 0
            return Int(icaltimezone_get_utc_offset_of_utc_time(zone, &time, &isDaylight))
        }
        // Mid-January and mid-July of each year cut ~600 zones to a handful.
        let probes = years.flatMap { year in [15, 196].map { start(of: year).addingTimeInterval(Double($0) * 86_400) } }
        let expected = probes.map(offset)
        var candidates = TimeZone.knownTimeZoneIdentifiers.compactMap(TimeZone.init(identifier:)).filter { candidate in
            zip(probes, expected).allSatisfy { candidate.secondsFromGMT(for: $0) == $1 }
        }
        guard !candidates.isEmpty else { return nil }
        var instant = start(of: years.lowerBound).addingTimeInterval(firstSample)
        let end = start(of: years.upperBound + 1)
        while instant < end, !candidates.isEmpty {
            let seconds = offset(instant)
            candidates.removeAll { $0.secondsFromGMT(for: instant) != seconds }
            instant.addTimeInterval(step)
        }
        return preferred(candidates, tzid: tzid)
    }

    /// The candidate the TZID names, else a CLDR representative zone, else the first by name.
    static func preferred(_ candidates: [TimeZone], tzid: String) -> TimeZone? {
        func letters(_ text: String) -> String { text.lowercased().filter(\.isLetter) }
        let spelled = letters(tzid)
        let sorted = candidates.sorted { $0.identifier < $1.identifier }
        if let named = sorted.first(where: { letters($0.identifier) == spelled }) { return named }
        if let city = sorted.first(where: { zone in
            let name = letters(String(zone.identifier.split(separator: "/").last ?? ""))
            return name.count >= 4 && spelled.contains(name)
        }) {
            return city
        }
        let representatives = Set(WindowsZones.iana.values)
        return sorted.first { representatives.contains($0.identifier) } ?? sorted.first
    }
}
