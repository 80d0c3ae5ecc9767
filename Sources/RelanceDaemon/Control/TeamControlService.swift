import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore
import VarlinkProtocol
import VarlinkTransport

/// `io.relance.Control` on a team's PostgreSQL store (team mode, issue #16).
///
/// What the team store holds so far: reminders set for a time (`Remind`), what is
/// coming (`Upcoming`) and the inbox (`Inbox`), shared by every node. The interface is
/// the same as the personal daemon's, so any Varlink client works; the methods the team
/// store cannot serve yet answer the standard `org.varlink.service.MethodNotImplemented`,
/// never a half-done write.
public final class TeamControlService: VarlinkService {
    public let info = VarlinkServiceInfo(vendor: "Relance", product: "relanced (team)", version: ControlService.version,
                                         url: "https://github.com/relance/relance")
    public let interfaces = [ControlInterface.description]

    let store: TeamStore
    let scheduler: Scheduler
    let startedAt: Date
    let clock: any WallClock
    let zone: @Sendable () -> TimeZone
    let logger: Logger

    public init(store: TeamStore, scheduler: Scheduler, clock: any WallClock, zone: @escaping @Sendable () -> TimeZone,
                logger: Logger) {
        self.store = store
        self.scheduler = scheduler
        self.startedAt = clock.now()
        self.clock = clock
        self.zone = zone
        self.logger = logger
    }

    static let handlers: ControlHandlers<TeamControlService> = {
        var handlers = ControlHandlers<TeamControlService>(interface: ControlInterface.description)
        handlers.register(Remind.self, readOnly: false) { service, p in try service.remind(p) }
        handlers.register(Upcoming.self, readOnly: true) { service, p in try service.upcoming(p) }
        handlers.register(Inbox.self, readOnly: true) { service, p in try service.inbox(p) }
        handlers.register(Status.self, readOnly: true) { service, _ in service.status() }
        return handlers
    }()

    public var parameterTypes: VarlinkParameterTypes { Self.parameterTypes }
    private static let parameterTypes = handlers.parameterTypes

    public func handle(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        guard let handler = Self.handlers[call.memberName] else { throw VarlinkError.methodNotImplemented(call.method) }
        do {
            try await handler.run(self, call, replies)
        } catch let error as ValidationError {
            throw ControlError.invalidParameter(error.field, reason: error.reason)
        } catch let error as TeamStoreError {
            // The database is down or cut off: say so, keep serving, retry at the next call.
            logger.error("\(call.memberName) failed: \(error)", metadata: ["method": "\(call.memberName)"])
            throw ControlError.storeUnavailable(reason: error.description)
        }
    }

    private func remind(_ p: Remind.Parameters) throws -> Remind.Reply {
        guard p.contact == nil else {
            throw ControlError.invalidParameter("contact", reason: "a team store keeps no contacts yet: set the reminder without one")
        }
        let dueAt = try instant(p.at, "at")
        let (reminder, _) = try store.addReminder(text: p.text, dueAt: dueAt)
        logger.info("reminder set for \(JSONCoding.formatDate(dueAt))", metadata: ["reminder_id": "\(reminder.id)"])
        return Remind.Reply(reminder: reminder.info, timeZone: zone().identifier)
    }

    private func upcoming(_ p: Upcoming.Parameters) throws -> Upcoming.Reply {
        let limit = p.limit ?? 50
        guard limit > 0 else { throw ControlError.invalidParameter("limit", reason: "must be at least 1") }
        guard p.until == nil else { throw ControlError.invalidParameter("until", reason: "not supported by a team store yet") }
        return Upcoming.Reply(reminders: try store.upcoming(limit: limit).map(\.info), timeZone: zone().identifier)
    }

    private func inbox(_ p: Inbox.Parameters) throws -> Inbox.Reply {
        guard (p.filter ?? "all") == "all" || p.filter == "open" || p.filter == "unread" else {
            throw ControlError.invalidParameter("filter", reason: "'\(p.filter!)' is not one of open, unread, all")
        }
        let limit = p.limit ?? 100
        guard limit > 0 else { throw ControlError.invalidParameter("limit", reason: "must be at least 1") }
        // Items are never read, done or dismissed in a team store yet: every one is open.
        return Inbox.Reply(items: try store.inbox(limit: limit).map(\.info), timeZone: zone().identifier)
    }

    /// Answered even while the database is down: that is when it matters most. The
    /// pending count and next deadline come from this node's scheduler (what it will fire).
    private func status() -> Status.Reply {
        let (next, pending) = scheduler.snapshot()
        var database = store.location
        var unread = 0
        var nextText: String?
        do {
            unread = try store.unreadCount()
            nextText = try store.upcoming(limit: 1).first { $0.id == next?.id }?.text
        } catch {
            database += " — UNAVAILABLE: \((error as? TeamStoreError)?.reason ?? "\(error)")"
        }
        return Status.Reply(version: ControlService.version, startedAt: startedAt, contacts: 0, awaitingReply: 0,
                            pendingReminders: pending, unread: unread, nextDueAt: next?.due, nextDueText: nextText,
                            database: database, timeZone: zone().identifier, channels: [], mailSources: nil)
    }

    private func instant(_ text: String, _ parameter: String) throws -> Date {
        if let date = JSONCoding.parseDate(text) { return date }
        do {
            return try WhenExpression.parse(text, now: clock.now(), timeZone: zone())
        } catch {
            throw ControlError.invalidParameter(parameter, reason: "\(error)")
        }
    }
}
