import Foundation
import Logging

/// Delivers notifications as desktop popups through `org.freedesktop.Notifications` on
/// the user's session bus (sd-bus), with Done / Snooze / Open buttons where the
/// notification server can show them.
///
/// Without a session bus, or with no notification server on it, ``probe()`` says why
/// and ``deliver(_:)`` throws ``ChannelError/Code/unavailable``; the channel connects
/// again by itself on the next call once the bus is back.
///
/// Button presses and closes come back through `onAction` and `onClosed`. Notification
/// servers send those signals only to the connection that called `Notify`, so they are
/// received only while this channel's connection lives (not after a restart).
public final class DesktopChannel: DeliveryChannel {
    /// Why a popup went away (`NotificationClosed`'s `reason`).
    public struct CloseReason: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        /// The value the server sent.
        public let rawValue: UInt32
        /// A reason from its raw value (servers may send values the spec does not name).
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// 1: it expired.
        public static let expired = CloseReason(rawValue: 1)
        /// 2: the user dismissed it.
        public static let dismissed = CloseReason(rawValue: 2)
        /// 3: closed by a `CloseNotification` call.
        public static let closedByCall = CloseReason(rawValue: 3)
        /// 4: undefined or reserved.
        public static let undefined = CloseReason(rawValue: 4)

        /// `expired`, `dismissed`, `closed-by-call`, or the number.
        public var description: String {
            switch rawValue {
            case 1: "expired"
            case 2: "dismissed"
            case 3: "closed-by-call"
            case 4: "undefined"
            default: "reason \(rawValue)"
            }
        }
    }

    /// `"desktop"`.
    public let name = "desktop"
    private let bus: NotificationBus

    /// The session bus address from the environment (`DBUS_SESSION_BUS_ADDRESS`), read
    /// at each connection attempt; nil lets sd-bus use `$XDG_RUNTIME_DIR/bus`.
    public static let environmentBusAddress: @Sendable () -> String? = {
        ProcessInfo.processInfo.environment["DBUS_SESSION_BUS_ADDRESS"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A desktop channel. Nothing connects until the first ``deliver(_:)`` or ``probe()``.
    /// - Parameters:
    ///   - busAddress: where the session bus is, asked at every (re)connection; a D-Bus
    ///     address such as `unix:path=/run/user/1000/bus`, or nil for sd-bus's default.
    ///   - callTimeout: the longest wait for the notification server to answer a call.
    ///   - logger: for connection changes and ignored signals (debug/trace only).
    ///   - onAction: a button was pressed: the notification id and the action key
    ///     (``DesktopNotificationRequest/ActionKey``). Called on the channel's queue:
    ///     return quickly (hand the work to your own task).
    ///   - onClosed: a popup went away, with the server's reason. Same queue rule.
    public init(busAddress: @escaping @Sendable () -> String? = DesktopChannel.environmentBusAddress,
                callTimeout: Duration = .seconds(5),
                logger: Logger = Logger(label: "relance.channels.desktop", factory: { _ in SwiftLogNoOpLogHandler() }),
                onAction: @escaping @Sendable (_ notificationID: UInt32, _ actionKey: String) -> Void = { _, _ in },
                onClosed: @escaping @Sendable (_ notificationID: UInt32, _ reason: CloseReason) -> Void = { _, _ in }) {
        bus = NotificationBus(busAddress: busAddress, callTimeout: callTimeout, logger: logger,
                              onAction: onAction, onClosed: onClosed)
    }

    deinit {
        let bus = bus
        bus.queue.async { bus.disconnect(reason: "the channel was released") }
    }

    /// Shows the popup; a repeat for the same inbox item replaces the earlier popup
    /// instead of adding one. The receipt's detail is the notification id in decimal.
    public func deliver(_ notification: ReminderNotification) async throws -> DeliveryReceipt {
        DeliveryReceipt(detail: String(try await notify(notification, replacing: nil)))
    }

    /// Re-delivery replaces the earlier popup (its id is the previous receipt).
    public func deliver(_ notification: ReminderNotification, replacing previous: DeliveryReceipt?) async throws -> DeliveryReceipt {
        DeliveryReceipt(detail: String(try await notify(notification, replacing: previous.flatMap { UInt32($0.detail) })))
    }

    /// Shows the popup, replacing notification `previousID` (an id an earlier delivery
    /// returned, perhaps before a restart); nil means "the one this channel last showed
    /// for this inbox item, if any". Returns the server's notification id.
    public func notify(_ notification: ReminderNotification, replacing previousID: UInt32?) async throws -> UInt32 {
        try await bus.run { try $0.notify(notification, replacing: previousID) }
    }

    /// Takes a popup off the screen (`CloseNotification`), e.g. once the item is done
    /// from the command line.
    /// Closes the popup a delivery showed (its receipt is the notification id).
    public func withdraw(_ receipt: DeliveryReceipt) async throws {
        guard let id = UInt32(receipt.detail) else { return }
        try await withdraw(notificationID: id)
    }

    public func withdraw(notificationID: UInt32) async throws {
        try await bus.run { try $0.closeNotification(notificationID) }
    }

    /// Available when the session bus answers and a notification server is on it
    /// (it answers `GetCapabilities`); otherwise the reason.
    public func probe() async -> ChannelHealth {
        do {
            _ = try await bus.run { try $0.capabilities() }
            return .available
        } catch {
            return .unavailable(reason: (error as? ChannelError)?.message ?? "\(error)")
        }
    }

    /// What the notification server says it can do (`GetCapabilities`: "actions",
    /// "body", "body-markup"…).
    public func serverCapabilities() async throws -> Set<String> {
        try await bus.run { try $0.capabilities() }
    }

    /// Drops the bus connection now (the next call would connect again).
    public func disconnect() async {
        _ = try? await bus.run { $0.disconnect(reason: "asked to disconnect") }
    }
}
