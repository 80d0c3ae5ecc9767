import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Ad-hoc reminders, what is coming up, and the notification inbox.

extension ControlService {
    /// Registers Remind, RemindMany, CancelReminder, MoveReminder, Upcoming, Inbox,
    /// MarkRead, Done, Dismiss and Snooze. The calls that write one row are short: they
    /// run on the connection's event loop while the writer is free.
    static func registerReminderAndInboxHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.registerShort(Remind.self) { service, p in try service.remind(p) }
        handlers.register(RemindMany.self, readOnly: false) { service, p in try service.remindMany(p) }
        handlers.registerShort(CancelReminder.self) { service, p in try service.cancelReminder(p) }
        handlers.registerShort(MoveReminder.self) { service, p in try service.moveReminder(p) }
        handlers.register(Upcoming.self, readOnly: true) { service, p in try service.upcoming(p) }
        handlers.register(Inbox.self, readOnly: true) { service, p in try service.inbox(p) }
        handlers.register(MarkRead.self, readOnly: false) { service, p in try service.markRead(p) }
        handlers.registerShort(Done.self) { service, p in try service.close(p, as: .done) }
        handlers.registerShort(Dismiss.self) { service, p in try service.close(p, as: .dismissed) }
        handlers.register(Snooze.self, readOnly: false) { service, p in try service.snooze(p) }
    }

    private func remind(_ p: Remind.Parameters) throws -> Remind.Reply {
        let dueAt = try instant(p.at, "at")
        let contactID = try p.contact.map { try store.resolveContact($0).id }
        let (reminder, _) = try store.addReminder(text: p.text, dueAt: dueAt, contactID: contactID)
        logger.info("reminder set for \(JSONCoding.formatDate(dueAt))", metadata: ["reminder_id": "\(reminder.id)"])
        return Remind.Reply(reminder: reminder.info, timeZone: zoneName)
    }

    /// Many reminders in one transaction, all or none (see `reminderDrafts`).
    private func remindMany(_ p: RemindMany.Parameters) throws -> RemindMany.Reply {
        let drafts = try Self.reminderDrafts(p, instant: { try instant($0, $1) },
                                             contactID: { try store.resolveContact($0).id })
        let (ids, _) = try store.addReminders(drafts)
        logger.info("\(ids.count) reminders set in one transaction", metadata: ["count": "\(ids.count)"])
        return RemindMany.Reply(ids: ids)
    }

    /// A RemindMany call's items read before the store writes: every time (in the
    /// caller's zone), text and contact, the first one at fault an InvalidParameter naming
    /// it ("reminders[3].at"). The bound is checked first, before any item is looked at.
    static func reminderDrafts(_ p: RemindMany.Parameters, instant: (String, String) throws -> Date,
                               contactID: (String) throws -> Int64) throws -> [(text: String, dueAt: Date, contactID: Int64?)] {
        try ReminderBatch.checkCount(p.reminders.count)
        var contacts: [String: Int64] = [:]
        return try p.reminders.enumerated().map { index, item in
            let dueAt = try instant(item.at, ReminderBatch.field(index, "at"))
            let text = try ReminderBatch.text(item.text, field: ReminderBatch.field(index, "text"))
            var id: Int64?
            if let query = item.contact {
                if let known = contacts[query] { id = known } else {
                    do { id = try contactID(query) } catch let error as StoreError {
                        throw ControlError.invalidParameter(ReminderBatch.field(index, "contact"), reason: error.description)
                    }
                    contacts[query] = id
                }
            }
            return (text: text, dueAt: dueAt, contactID: id)
        }
    }

    private func cancelReminder(_ p: CancelReminder.Parameters) throws -> CancelReminder.Reply {
        let (reminder, _) = try store.cancelReminder(id: p.id)
        logger.info("reminder cancelled", metadata: ["reminder_id": "\(reminder.id)"])
        return CancelReminder.Reply(reminder: reminder.info, summary: reminder.cancelledSummary)
    }

    private func moveReminder(_ p: MoveReminder.Parameters) throws -> MoveReminder.Reply {
        let at = try instant(p.at, "at")
        let (reminder, _) = try store.moveReminder(id: p.id, to: at, rules: rules, now: clock.now())
        logger.info("reminder moved to \(JSONCoding.formatDate(at))", metadata: ["reminder_id": "\(reminder.id)"])
        return MoveReminder.Reply(reminder: reminder.info,
                                  summary: "moved reminder \(reminder.id) to \(Planner.describeMoment(reminder.fireAt, rules.userZone))")
    }

    private func upcoming(_ p: Upcoming.Parameters) throws -> Upcoming.Reply {
        let limit = p.limit ?? 50
        guard limit > 0 else { throw ControlError.invalidParameter("limit", reason: "must be at least 1") }
        return Upcoming.Reply(reminders: try store.upcoming(limit: limit, before: try instant(p.until, "until")).map(\.info),
                             timeZone: zoneName)
    }

    private func inbox(_ p: Inbox.Parameters) throws -> Inbox.Reply {
        let (filter, limit) = try Self.inboxQuery(p)
        let since = try instant(p.since, "since", looking: .back)  // "monday" is the last Monday
        return Inbox.Reply(items: try withDeliveries(store.inbox(filter, limit: limit, since: since)), timeZone: zoneName)
    }

    private func markRead(_ p: MarkRead.Parameters) throws -> MarkRead.Reply {
        MarkRead.Reply(items: try withDeliveries(store.markRead(ids: p.ids)))
    }

    private func close(_ p: InboxItemReference, as state: InboxState) throws -> InboxItemReply {
        let (item, _) = try store.close(inboxID: p.id, as: state)
        logger.info("inbox item \(state.rawValue)", metadata: ["inbox_id": "\(item.id)"])
        withdrawNotifications(of: item.id)
        return InboxItemReply(item: item.info, timeZone: zoneName)
    }

    private func snooze(_ p: Snooze.Parameters) throws -> InboxItemReply {
        let until = try Self.snoozeUntil(p, now: clock.now(), zone: currentConfiguration.timeZone, rules: rules) {
            try instant($0, "until")
        }
        let (item, _) = try store.snooze(inboxID: p.id, until: until)
        logger.info("inbox item snoozed until \(JSONCoding.formatDate(until))", metadata: ["inbox_id": "\(item.id)"])
        withdrawNotifications(of: item.id)
        return InboxItemReply(item: item.info, timeZone: zoneName)
    }

    /// When a `Snooze` brings its item back: after one of `duration` (ISO 8601, from
    /// `now` in `zone`), `until` (read by `instant`) or `nextWindow`, and in the future.
    /// Shared with the team node's `Snooze`, so both read the same parameters alike.
    static func snoozeUntil(_ p: Snooze.Parameters, now: Date, zone: TimeZone, rules: TimingRules,
                            instant: (String) throws -> Date) throws -> Date {
        let until: Date
        switch (p.duration, p.until, p.nextWindow ?? false) {
        case (let duration?, nil, false):
            do {
                until = try ISODuration(parsing: duration).added(to: now, in: zone)
            } catch {
                throw ControlError.invalidParameter("duration", reason: "\(error)")
            }
        case (nil, let date?, false): until = try instant(date)
        case (nil, nil, true): until = rules.window.nextStart(after: now)
        default: throw ControlError.invalidParameter("duration", reason: "give one of duration, until or nextWindow")
        }
        guard until > now else { throw ControlError.invalidParameter("until", reason: "must be in the future") }
        return until
    }

    /// `Inbox`'s filter (open by default) and limit (100), checked.
    static func inboxQuery(_ p: Inbox.Parameters) throws -> (InboxFilter, Int) {
        let filter: InboxFilter
        switch p.filter ?? "open" {
        case "open": filter = .open
        case "unread": filter = .unread
        case "all": filter = .all
        case let other: throw ControlError.invalidParameter("filter", reason: "'\(other)' is not one of open, unread, all")
        }
        let limit = p.limit ?? 100
        guard limit > 0 else { throw ControlError.invalidParameter("limit", reason: "must be at least 1") }
        return (filter, limit)
    }

    /// Inbox items with how each reached the user.
    func withDeliveries(_ items: [InboxItem]) throws -> [InboxItemInfo] {
        let deliveries = try store.deliveries(inboxItemIDs: items.map(\.id))
        return items.map { item in
            var info = item.info
            info.deliveries = (deliveries[item.id] ?? []).map(\.info)
            return info
        }
    }

    /// A popup still showing an item that was just dealt with is taken down (its
    /// pending deliveries were cancelled in the same transaction as the change).
    private func withdrawNotifications(of itemID: Int64) {
        guard let delivery else { return }
        Task { await delivery.withdraw(inboxItemID: itemID) }
    }
}

extension Reminder {
    /// `CancelReminder`'s summary, the same from a personal daemon and a team node:
    /// "cancelled reminder 12 (follow-up)".
    var cancelledSummary: String {
        "cancelled reminder \(id) (\(kind.rawValue.replacingOccurrences(of: "_", with: "-")))"
    }
}

extension DeliveryStatus {
    /// How `Inbox` shows it, from either store.
    var info: DeliveryInfo {
        DeliveryInfo(channel: channel, state: state, attempts: attempts, lastAttemptAt: lastAttemptAt,
                     sentAt: sentAt, lastError: lastError, digest: digest)
    }
}
