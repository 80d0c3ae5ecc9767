import Foundation

/// When to nudge after an outreach gets no reply.
///
/// For now one fixed delay (default seven days, issue #2); business days, the contact's
/// time zone and multi-step sequences arrive with the polite-timing rules.
public struct FollowUpPolicy: Sendable, Hashable, Codable {
    /// Time to give them before the follow-up reminder.
    public var delay: ISODuration

    /// Seven calendar days.
    public static let standard = FollowUpPolicy(delay: ISODuration(days: 7))

    public init(delay: ISODuration) { self.delay = delay }

    /// When the follow-up is due for an outreach sent at `sentAt`; calendar parts of the
    /// delay are counted in `timeZone` so "7 days" keeps the hour across DST.
    public func followUpDue(sentAt: Date, timeZone: TimeZone) -> Date {
        delay.added(to: sentAt, in: timeZone)
    }

    /// The reminder line a person reads.
    public static func reminderText(contactName: String, ask: String, sentAt: Date, timeZone: TimeZone) -> String {
        let style = Date.FormatStyle(date: .abbreviated, time: .omitted, timeZone: timeZone)
            .locale(Locale(identifier: "en_GB"))
        return "Follow up with \(contactName) — you asked for \(ask) on \(sentAt.formatted(style))"
    }
}
