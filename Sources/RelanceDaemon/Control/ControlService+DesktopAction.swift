import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Buttons pressed on a desktop popup.

extension ControlService {
    /// A button pressed on a desktop popup: the same operations as the CLI's.
    public func desktopAction(notificationID: UInt32, action: String) async {
        do {
            // A click can beat the delivery's own bookkeeping (the popup is up before its
            // receipt is committed): look for the receipt a little while.
            var found = try store.inboxItemID(channel: "desktop", receipt: String(notificationID))
            for _ in 0..<40 where found == nil {
                try await Task.sleep(for: .milliseconds(50))
                found = try store.inboxItemID(channel: "desktop", receipt: String(notificationID))
            }
            guard let itemID = found else {
                return logger.debug("action \(action) for an unknown notification \(notificationID)")
            }
            let metadata: Logger.Metadata = ["inbox_id": "\(itemID)", "channel": "desktop"]
            switch action {
            case "done":
                let (_, _) = try store.close(inboxID: itemID, as: .done)
                logger.info("inbox item done (desktop)", metadata: metadata)
            case "snooze":
                let until = ISODuration(days: 1).added(to: clock.now(), in: rules.userZone)
                let (_, _) = try store.snooze(inboxID: itemID, until: until)
                logger.info("inbox item snoozed for a day (desktop)", metadata: metadata)
            case "open", "default":
                let item = try store.markRead(ids: [itemID])[0]
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
