import Foundation
import Logging
import RelanceCore
import RelanceDelivery
import RelanceStore

/// Buttons pressed on a desktop popup: the same operations as the CLI's, on the inbox
/// item the popup showed, on the personal store or a team's (`DesktopActionStore`).
public struct DesktopActions: Sendable {
    let store: any DesktopActionStore
    let clock: any WallClock
    /// The user's zone, as last reloaded: "snooze" is until the same time tomorrow there.
    let zone: @Sendable () -> TimeZone
    /// Called after an action changed the store (the status line, the calendar file).
    let didChange: @Sendable () -> Void
    let logger: Logger

    public init(store: any DesktopActionStore, clock: any WallClock, zone: @escaping @Sendable () -> TimeZone,
                didChange: @escaping @Sendable () -> Void = {}, logger: Logger) {
        self.store = store; self.clock = clock; self.zone = zone; self.didChange = didChange; self.logger = logger
    }

    /// Handles `action` ("done", "snooze", "open"/"default") on notification `notificationID`.
    public func handle(notificationID: UInt32, action: String) async {
        let store = store
        do {
            // A click can beat the delivery's own bookkeeping (the popup is up before its
            // receipt is committed): look for the receipt a little while.
            let receipt = String(notificationID)
            var found = try await OffPool.run { try store.inboxItemID(desktopReceipt: receipt) }
            for _ in 0..<40 where found == nil {
                try await QuietSleep.sleep(for: .milliseconds(50))
                found = try await OffPool.run { try store.inboxItemID(desktopReceipt: receipt) }
            }
            guard let itemID = found else {
                return logger.debug("action \(action) for an unknown notification \(notificationID)")
            }
            let metadata: Logger.Metadata = ["inbox_id": "\(itemID)", "channel": "desktop"]
            switch action {
            case "done":
                try await OffPool.run { try store.closeItem(inboxID: itemID, as: .done) }
                logger.info("inbox item done (desktop)", metadata: metadata)
            case "snooze":
                let now = clock.now()
                let until = ISODuration(days: 1).added(to: now, in: zone())
                try await OffPool.run { try store.snoozeItem(inboxID: itemID, until: until, now: now) }
                logger.info("inbox item snoozed for a day (desktop)", metadata: metadata)
            case "open", "default":
                let item = try await OffPool.run { try store.markItemRead(inboxID: itemID) }
                logger.notice("opened from the desktop: \(item.text)", metadata: metadata)
            default:
                logger.debug("unknown desktop action \(action)", metadata: metadata)
            }
            didChange()
        } catch {
            logger.error("desktop action \(action) failed: \(error)")
        }
    }
}
