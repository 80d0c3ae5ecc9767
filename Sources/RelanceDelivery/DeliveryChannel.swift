/// A way to put a fired reminder in front of the user (desktop popup, mail, …).
///
/// Delivery is at-least-once: the delivery service retries a failed `deliver` with
/// back-off, so implementations make a repeat harmless with a stable key (mail
/// `Message-ID`, desktop `replaces_id`). Each channel ships with an in-memory twin for
/// tests (``RecordingChannel``).
public protocol DeliveryChannel: Sendable {
    /// A short, stable name for configuration, logs and `Status` ("desktop", "mail").
    var name: String { get }

    /// Delivers one notification, or throws (a ``ChannelError`` saying what failed and
    /// what to check). Safe to call again for the same notification.
    func deliver(_ notification: ReminderNotification) async throws -> DeliveryReceipt
    /// The same, for a re-delivery: `previous` is the receipt of the earlier delivery of
    /// this item, which a channel that can (the desktop's `replaces_id`) replaces.
    func deliver(_ notification: ReminderNotification, replacing previous: DeliveryReceipt?) async throws -> DeliveryReceipt

    /// Takes back what an earlier delivery put in front of the user (the desktop popup
    /// of an item since marked done), where the channel can; others do nothing.
    func withdraw(_ receipt: DeliveryReceipt) async throws
    /// Whether the channel can deliver right now, and if not, why. Cheap enough for a
    /// `Status` call; never throws.
    func probe() async -> ChannelHealth
}

extension DeliveryChannel {
    /// Channels that cannot replace what they delivered just deliver again.
    public func deliver(_ notification: ReminderNotification, replacing previous: DeliveryReceipt?) async throws -> DeliveryReceipt {
        try await deliver(notification)
    }

    /// A mail cannot be taken back.
    public func withdraw(_ receipt: DeliveryReceipt) async throws {}
}
