import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore

/// What a desktop popup's buttons need of a store, whichever engine keeps the inbox: the
/// personal `AppDatabase` or a team's `TeamStore` (issue #16). The operations are the
/// CLI's own, one transaction each, with the same refusals; only the receipt lookup
/// differs: a team node looks among the popups it showed itself (its screen's ids).
public protocol DesktopActionStore: Sendable {
    /// The inbox item the desktop notification with this id (its receipt) showed, if any.
    func inboxItemID(desktopReceipt: String) throws -> Int64?
    /// Done or dismissed: closes the item and cancels a pending snooze's comeback.
    func closeItem(inboxID: Int64, as state: InboxState) throws
    /// Hides the item until `until` (after `now`); it comes back unread once.
    func snoozeItem(inboxID: Int64, until: Date, now: Date) throws
    /// Marks the item read (if it was unread); the item as it is now.
    func markItemRead(inboxID: Int64) throws -> InboxItem
}

extension AppDatabase: DesktopActionStore {
    public func inboxItemID(desktopReceipt: String) throws -> Int64? {
        try inboxItemID(channel: "desktop", receipt: desktopReceipt)
    }

    public func closeItem(inboxID: Int64, as state: InboxState) throws { _ = try close(inboxID: inboxID, as: state) }

    public func snoozeItem(inboxID: Int64, until: Date, now: Date) throws {
        guard until > now else { throw ValidationError(field: "until", reason: "must be in the future") }
        _ = try snooze(inboxID: inboxID, until: until)
    }

    public func markItemRead(inboxID: Int64) throws -> InboxItem { try markRead(ids: [inboxID])[0] }
}

extension TeamStore: DesktopActionStore {
    public func closeItem(inboxID: Int64, as state: InboxState) throws { _ = try close(inboxID: inboxID, as: state) }

    public func snoozeItem(inboxID: Int64, until: Date, now: Date) throws {
        _ = try snooze(inboxID: inboxID, until: until, now: now)
    }

    public func markItemRead(inboxID: Int64) throws -> InboxItem { try markRead(ids: [inboxID])[0] }
}
