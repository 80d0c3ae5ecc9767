import Foundation

/// The lines a person reads, one per kind of reminder.
public enum ReminderText {
    public static func followUp(contact: String, ask: String, sentAt: Date, step: Int, waited: Wait, zone: TimeZone) -> String {
        let again = step == 0 ? "" : " again"
        return "Follow up\(again) with \(contact) — you asked for \(ask) on \(day(sentAt, zone)); \(waited.spelledOut) without reply"
    }

    public static func letGo(contact: String, ask: String, sentAt: Date, zone: TimeZone) -> String {
        "Let it go: no reply from \(contact) to your ask for \(ask) on \(day(sentAt, zone)); marked as no reply"
    }

    public static func meetingPrep(contact: String, place: String, start: Date, zone: TimeZone) -> String {
        "Meeting with \(contact) at \(place), \(Planner.describeMoment(start, zone)) — prepare your questions; confirm"
    }

    public static func meetingLeave(contact: String, place: String, start: Date, zone: TimeZone) -> String {
        "Leave for \(place): meeting with \(contact) at \(Planner.format(start, zone, "HH:mm"))"
    }

    public static func thankYou(contact: String, start: Date, zone: TimeZone) -> String {
        "Send \(contact) a thank-you note for your meeting on \(day(start, zone))"
    }

    public static func eventRSVP(title: String, start: Date, place: String?, zone: TimeZone, allDay: Bool = false) -> String {
        "Register / RSVP: \(title), \(eventMoment(start, zone, allDay: allDay))\(place.map { " at \($0)" } ?? "")"
    }

    public static func eventSoon(title: String, start: Date, place: String?, zone: TimeZone, allDay: Bool = false) -> String {
        "\(title): \(eventMoment(start, zone, allDay: allDay))\(place.map { " at \($0)" } ?? "")"
    }

    /// "Thu 10 Dec 19:00", or "Thu 10 Dec, all day" for a whole-day event (never 00:00).
    static func eventMoment(_ start: Date, _ zone: TimeZone, allDay: Bool) -> String {
        allDay ? "\(HumanTime.day(start, in: zone)), all day" : Planner.describeMoment(start, zone)
    }

    public static func eventLogPeople(title: String) -> String {
        "Log the people you met at \(title)"
    }

    public static func keepInTouch(contact: String, since: Date, zone: TimeZone) -> String {
        "Keep in touch with \(contact) — nothing since \(day(since, zone))"
    }

    static func day(_ date: Date, _ zone: TimeZone) -> String { Planner.format(date, zone, "d MMM yyyy") }
}
