import Foundation
import RelanceCore
import RelanceDelivery

/// The digest's text: everything unread, grouped.
enum DigestText {
    static func body(_ items: [InboxItem], zone: TimeZone) -> String {
        let groups: [(String, Set<ReminderKind>)] = [
            ("Follow-ups due", [.followUp, .letGo]),
            ("Meetings", [.meetingPrep, .meetingLeave, .thankYou]),
            ("Events", [.eventRSVP, .eventSoon, .eventLogPeople]),
            ("Keep in touch", [.keepInTouch]),
            ("Your reminders", [.custom]),
        ]
        var lines: [String] = []
        for (title, kinds) in groups {
            let matching = items.filter { kinds.contains($0.kind) }
            guard !matching.isEmpty else { continue }
            lines.append("\(title):")
            for item in matching {
                lines.append("  • \(item.text) (inbox #\(item.id), \(HumanTime.moment(item.firedAt, in: zone)))")
            }
            lines.append("")
        }
        lines.append("Mark one done with `relancectl done` and its inbox number (`relancectl done \(items[0].id)`), or see them all with `relancectl inbox`.")
        return lines.joined(separator: "\n")
    }
}

extension DigestText {
    /// A day as the digest's keys number it: 20261130.
    static func number(_ day: LocalDate) -> Int { day.year * 10_000 + day.month * 100 + day.day }

    /// The digest of `day` as a notification (the personal daemon's and each team user's):
    /// `items` unread, oldest first, read in `zone`. `key`: one stable key per day (and
    /// user), so a digest re-sent after a crash is the same mail.
    static func notification(_ items: [InboxItem], day: LocalDate, time: LocalTimeOfDay, zone: TimeZone, now: Date,
                             key: String, recipient: String? = nil) -> ReminderNotification {
        var notification = ReminderNotification(inboxItemID: -Int64(number(day)), reminderID: 0, kind: "digest",
                                                title: "Relance: \(items.count) reminder\(items.count == 1 ? "" : "s") waiting",
                                                body: body(items, zone: zone), dueAt: day.at(time, in: zone), firedAt: now,
                                                deliveryKey: key)
        notification.timeZone = zone
        notification.recipient = recipient
        return notification
    }
}
