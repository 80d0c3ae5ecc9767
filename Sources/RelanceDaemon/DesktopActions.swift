import Foundation
import Logging
import RelanceCore
import RelanceDelivery
import RelanceStore

/// Buttons pressed on a desktop popup: the same operations as the CLI's, on the inbox
/// item the popup showed.
public struct DesktopActions: Sendable {
    let store: AppDatabase
    let clock: any WallClock
    let configuration: LiveConfiguration
    let changed: ChangeSignal
    let logger: Logger

    public init(store: AppDatabase, clock: any WallClock, configuration: LiveConfiguration, changed: ChangeSignal, logger: Logger) {
        self.store = store; self.clock = clock; self.configuration = configuration; self.changed = changed; self.logger = logger
    }

    /// Handles `action` ("done", "snooze", "open"/"default") on notification `notificationID`.
    public func handle(notificationID: UInt32, action: String) async {
        do {
            // A click can beat the delivery's own bookkeeping (the popup is up before its
            // receipt is committed): look for the receipt a little while.
            var found = try store.inboxItemID(channel: "desktop", receipt: String(notificationID))
            for _ in 0..<40 where found == nil {
                try await QuietSleep.sleep(for: .milliseconds(50))
                found = try store.inboxItemID(channel: "desktop", receipt: String(notificationID))
            }
            guard let itemID = found else {
                return logger.debug("action \(action) for an unknown notification \(notificationID)")
            }
            let metadata: Logger.Metadata = ["inbox_id": "\(itemID)", "channel": "desktop"]
            switch action {
            case "done":
                _ = try store.close(inboxID: itemID, as: .done)
                logger.info("inbox item done (desktop)", metadata: metadata)
            case "snooze":
                let until = ISODuration(days: 1).added(to: clock.now(), in: configuration.current.rules.userZone)
                _ = try store.snooze(inboxID: itemID, until: until)
                logger.info("inbox item snoozed for a day (desktop)", metadata: metadata)
            case "open", "default":
                let item = try store.markRead(ids: [itemID])[0]
                logger.notice("opened from the desktop: \(item.text)", metadata: metadata)
            default:
                logger.debug("unknown desktop action \(action)", metadata: metadata)
            }
            changed.send()
        } catch {
            logger.error("desktop action \(action) failed: \(error)")
        }
    }
}
