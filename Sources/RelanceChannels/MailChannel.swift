import Foundation
import RelanceCore

/// Delivers notifications as plain-text mail through a ``MailTransport``.
///
/// Each delivery gets a globally unique `Message-ID` (`relance.<store namespace>.inbox-42.mail@hostname`;
/// a comeback after a snooze is a new mail whose `References:` names the first) and
/// the `Date` of when it fired, so a delivery retried after a failure or a crash is the
/// same message, byte for byte, and mail software can recognise the duplicate.
public struct MailChannel: DeliveryChannel {
    /// The channel name ("mail" unless configured otherwise); also part of the Message-ID.
    public let name: String
    /// What sends the rendered mail.
    public let transport: any MailTransport
    /// The sender.
    public let from: MailAddress
    /// The recipients (usually the user, once); a notification with a `recipient` goes
    /// to that address instead.
    public let to: [MailAddress]
    /// This machine's name, the right-hand side of every Message-ID.
    public let hostname: String

    /// A mail channel.
    /// - Throws: ``ChannelError`` when `to` is empty or `hostname`/`name` cannot be part
    ///   of a Message-ID, so configuration mistakes surface at start-up.
    public init(transport: any MailTransport, from: MailAddress, to: [MailAddress], hostname: String,
                name: String = "mail") throws {
        _ = try MailMessage(from: from, to: to, subject: "", body: "",
                            messageID: MailMessage.messageID(inboxItemID: 0, channel: name, hostname: hostname),
                            date: Date(timeIntervalSince1970: 0))
        self.transport = transport
        self.from = from
        self.to = to
        self.hostname = hostname
        self.name = name
    }

    /// The mail for `notification`: its title as the subject, its body, and a short
    /// footer saying what fired and when, in the user's zone (as is the `Date`).
    public func message(for notification: ReminderNotification) throws -> MailMessage {
        let zone = notification.timeZone
        func time(_ date: Date) -> String { HumanTime.moment(date, in: zone, now: notification.firedAt) }
        var footer: String
        if notification.kind == "test" {
            footer = "A Relance test notification, sent \(time(notification.firedAt)) (\(zone.identifier))."
        } else {
            footer = "A Relance \(notification.kindInWords) reminder, due \(time(notification.dueAt)) (\(zone.identifier))."
            if notification.firedAt.timeIntervalSince(notification.dueAt) > 60 {
                footer += "\nSent late, at \(time(notification.firedAt)): Relance was not running when it came due."
            }
        }
        // "-- " + line break is the conventional signature separator: readers fold it away.
        let messageID = try notification.deliveryKey.map { try MailMessage.messageID(key: $0, channel: name, hostname: hostname) }
            ?? MailMessage.messageID(inboxItemID: notification.inboxItemID, channel: name, hostname: hostname)
        let references = try notification.firstDeliveryKey.map { [try MailMessage.messageID(key: $0, channel: name, hostname: hostname)] } ?? []
        // A team user's own address replaces `[mail] to`: their reminders reach them only.
        let to = try notification.recipient.map { [try MailAddress(parsing: $0)] } ?? to
        var message = try MailMessage(
            from: from, to: to, subject: notification.title,
            body: "\(notification.body)\n\n-- \n\(footer)\n",
            messageID: messageID, date: notification.firedAt, references: references)
        message.dateZone = zone
        return message
    }

    /// Sends the mail. The receipt's detail is the Message-ID in angle brackets.
    public func deliver(_ notification: ReminderNotification) async throws -> DeliveryReceipt {
        let message = try message(for: notification)
        _ = try await transport.send(message)
        return DeliveryReceipt(detail: "<\(message.messageID)>")
    }

    /// The transport's health.
    public func probe() async -> ChannelHealth { await transport.probe() }
}
