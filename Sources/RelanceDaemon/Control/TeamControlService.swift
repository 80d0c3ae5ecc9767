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
/// What the team store holds so far: reminders set for a time, tied to a team contact or
/// not (`Remind`, `RemindMany`, cancel, move), `TestNotify` on this node's channels,
/// networking events (`AddEvent`, `ListEvents`, `UpdateEvent`, `RemoveEvent`, `SkipOccurrence`),
/// what is coming (`Upcoming`), the inbox (`Inbox`, read, done, dismiss, `Snooze`, `Watch`), `Status`,
/// and the team's shared contacts and outreach (`AddContact`, `ListContacts`,
/// `GetContact`, `MergeContacts`, `ForgetContact`, `Draft`, `ImportContacts`, `ImportEvents` (holidays too: the team's days off), `ListHolidays`, `Import`,
/// `Export`, `LogOutreach`, `LogFollowUp`, `ListOutreach`, `RecordReply`,
/// `CancelOutreach`), shared by every node; a fired follow-up plans the next step of its
/// sequence; and `MigrateFromSQLite`, a caller's personal store copied in. A caller is the team user `[team.users]` maps their uid to (SO_PEERCRED):
/// the owner of the contacts they add, the author of the outreach they log (the only one
/// who may log a follow-up to it or withdraw it), and the owner of the reminders they
/// set, mailed to the address they set with `SetMyMail` only. The interface is
/// the same as the personal daemon's, so any Varlink client works; the methods the team
/// store cannot serve yet answer the standard `org.varlink.service.MethodNotImplemented`,
/// never a half-done write.
public final class TeamControlService: VarlinkService {
    public let info = VarlinkServiceInfo(vendor: "Relance", product: "relanced (team)", version: ControlService.version,
                                         url: "https://github.com/relance/relance")
    public let interfaces = [ControlInterface.description]

    let store: TeamStore
    let scheduler: Scheduler
    let broadcaster: InboxBroadcaster
    /// This node's channels (their health for `Status`).
    let delivery: DeliveryService?
    /// Each user's daily digest, when this node sends digests: a changed address or zone
    /// may move their next one.
    let digest: TeamDigestService?
    /// The watched IMAP folders' states, for `Status` (nil: none watched).
    let mailSources: MailSourceHealth?
    let startedAt: Date
    let clock: any WallClock
    let rules: @Sendable () -> TimingRules
    /// uid -> team user (`[team.users]`, as last reloaded).
    let users: @Sendable () -> TeamUsers
    /// The node's configuration as last reloaded (`Draft`: its language, pitch and
    /// templates), with the team's imported days off.
    let liveConfiguration: LiveConfiguration
    func configuration() -> Configuration { liveConfiguration.current }
    /// Where `Draft` looks for templates (`templates/` beside the configuration file).
    let templatesDirectory: String?
    /// Re-reads the configuration (`Reload`); throws `ConfigurationError`.
    let reloadHandler: @Sendable () throws -> Void
    /// Called after a successful call that may have changed the store (the calendar file).
    let didChange: @Sendable () -> Void
    let logger: Logger

    /// The node's zone (`[rules]`), for what is no one's in particular.
    func zone() -> TimeZone { rules().userZone }

    /// The rules a caller's times are read and planned by: the node's, in the zone and
    /// with the window the team user set (`SetMyZone`, `SetMyWindow`) when they set them
    /// (issue #16: "each with their own zone, window"); the node's as they are for a
    /// caller who is no team user.
    func rules(for user: String?) throws -> TimingRules {
        guard let user else { return rules() }
        let (zone, window) = try store.preferences(of: user)
        return TeamStore.rules(rules(), inZoneNamed: zone, window: window)
    }

    public init(store: TeamStore, scheduler: Scheduler, broadcaster: InboxBroadcaster, delivery: DeliveryService? = nil,
                digest: TeamDigestService? = nil, mailSources: MailSourceHealth? = nil,
                clock: any WallClock, rules: @escaping @Sendable () -> TimingRules, users: @escaping @Sendable () -> TeamUsers = { TeamUsers() },
                configuration: LiveConfiguration = LiveConfiguration(Configuration()), templatesDirectory: String? = nil,
                reload: @escaping @Sendable () throws -> Void = {}, didChange: @escaping @Sendable () -> Void = {},
                logger: Logger) {
        self.store = store
        self.delivery = delivery
        self.digest = digest
        self.mailSources = mailSources
        self.scheduler = scheduler
        self.broadcaster = broadcaster
        self.startedAt = clock.now()
        self.clock = clock
        self.rules = rules
        self.users = users
        self.liveConfiguration = configuration
        self.templatesDirectory = templatesDirectory
        self.reloadHandler = reload
        self.didChange = didChange
        self.logger = logger
    }

    /// A call, with who made it: the team user their uid maps to (nil: none).
    struct Call: Sendable {
        let service: TeamControlService
        let uid: UInt32?
        let user: String?

        /// The caller's team user, or NotATeamUser: contacts and outreach are someone's.
        func teamUser() throws -> String {
            guard let user else { throw ControlError.notATeamUser(uid: uid ?? UInt32.max) }
            return user
        }

        /// Whether the item is in the caller's inbox: theirs or the team's; every item for a
        /// caller who is no team user.
        func sees(_ item: InboxItem) -> Bool { user == nil || item.owner == nil || item.owner == user }

        /// The caller's rules (`TeamControlService.rules(for:)`); reads the database.
        func rules() throws -> TimingRules { try service.rules(for: user) }
    }

    static let handlers: ControlHandlers<Call> = {
        var handlers = ControlHandlers<Call>(interface: ControlInterface.description)
        handlers.register(Remind.self, readOnly: false) { call, p in try call.service.remind(p, owner: call.user, rules: try call.rules()) }
        handlers.register(RemindMany.self, readOnly: false) { call, p in
            try call.service.remindMany(p, owner: call.user, rules: try call.rules())
        }
        handlers.register(TestNotify.self, readOnly: true) { call, p in
            try await ControlService.testNotify(p, on: call.service.delivery)
        }
        handlers.register(Upcoming.self, readOnly: true) { call, p in try call.service.upcoming(p, rules: try call.rules()) }
        handlers.register(Inbox.self, readOnly: true) { call, p in try call.service.inbox(p, call) }
        handlers.register(Status.self, readOnly: true) { call, _ in call.service.status(call) }
        handlers.register(Reload.self, readOnly: true) { call, _ in
            try ControlService.reload(call.service.reloadHandler)
        }
        handlers.registerStreaming(Watch.self, readOnly: true) { call, varlinkCall, replies in
            // Every item that lands in the caller's inbox (theirs and the team's), fired by
            // this node or another (each node hears the others' through LISTEN/NOTIFY).
            let zone = try await OffPool.run { try call.rules().userZone }
            try await ControlService.watch(call.service.broadcaster, varlinkCall, replies: replies,
                                           zone: zone.identifier) { item in call.sees(item) }
        }
        handlers.register(CancelReminder.self, readOnly: false) { call, p in try call.service.cancelReminder(p) }
        handlers.register(MoveReminder.self, readOnly: false) { call, p in try call.service.moveReminder(p, rules: try call.rules()) }
        handlers.register(MarkRead.self, readOnly: false) { call, p in
            MarkRead.Reply(items: try call.service.store.markRead(ids: p.ids, by: call.user).map(\.info))
        }
        handlers.register(Done.self, readOnly: false) { call, p in try call.service.close(p, as: .done, call) }
        handlers.register(Dismiss.self, readOnly: false) { call, p in try call.service.close(p, as: .dismissed, call) }
        handlers.register(Snooze.self, readOnly: false) { call, p in try call.service.snooze(p, call) }
        registerOutreachHandlers(&handlers)
        registerEventHandlers(&handlers)
        registerUserHandlers(&handlers)
        registerMigrationHandler(&handlers)
        registerInterchangeHandlers(&handlers)
        registerContactCorrectionHandlers(&handlers)
        registerMailHandlers(&handlers)
        return handlers
    }()

    public var parameterTypes: VarlinkParameterTypes { Self.parameterTypes }
    private static let parameterTypes = handlers.parameterTypes

    public func handle(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        guard let handler = Self.handlers[call.memberName] else { throw VarlinkError.methodNotImplemented(call.method) }
        // Read here, in the connection's task: handlers run on the store's pool.
        let uid = VarlinkPeer.uid
        do {
            try await handler.run(Call(service: self, uid: uid, user: uid.flatMap(users().name(of:))), call, replies)
            if !handler.readOnly { didChange() }
        } catch let error as AlreadyContacted {
            throw ControlError.alreadyContacted(contact: error.contact, by: error.by, sentAt: error.sentAt,
                                                state: error.status.rawValue, timeZone: zone().identifier)
        } catch let error as StoreError {
            throw ControlService.varlinkError(error)
        } catch let error as ValidationError {
            throw ControlError.invalidParameter(error.field, reason: error.reason)
        } catch let error as TeamStoreError {
            // The database is down or cut off: say so, keep serving, retry at the next call.
            logger.error("\(call.memberName) failed: \(error)", metadata: ["method": "\(call.memberName)"])
            throw ControlError.storeUnavailable(reason: error.description)
        }
    }

    /// The reminder is the caller's (`owner`: mailed to their address only), or the
    /// team's when the caller is no team user (the daemon's own uid, root).
    func remind(_ p: Remind.Parameters, owner: String?, rules: TimingRules) throws -> Remind.Reply {
        let dueAt = try instant(p.at, "at", rules.userZone)
        let (reminder, _) = try store.addReminder(text: p.text, dueAt: dueAt, contact: p.contact, owner: owner)
        logger.info("reminder set for \(JSONCoding.formatDate(dueAt))", metadata: ["reminder_id": "\(reminder.id)"])
        return Remind.Reply(reminder: reminder.info, timeZone: rules.userZone.identifier)
    }

    /// Many reminders in one transaction, all or none, read as the personal daemon reads
    /// them (in the caller's zone); each is the caller's, as with `Remind`.
    func remindMany(_ p: RemindMany.Parameters, owner: String?, rules: TimingRules) throws -> RemindMany.Reply {
        let drafts = try ControlService.reminderDrafts(p, instant: { try instant($0, $1, rules.userZone) },
                                                       contactID: { try store.resolveContact($0).contact.id })
        let ids = try store.addReminders(drafts, owner: owner)
        logger.info("\(ids.count) reminders set in one transaction", metadata: ["count": "\(ids.count)"])
        return RemindMany.Reply(ids: ids)
    }

    func upcoming(_ p: Upcoming.Parameters, rules: TimingRules) throws -> Upcoming.Reply {
        let limit = p.limit ?? 50
        guard limit > 0 else { throw ControlError.invalidParameter("limit", reason: "must be at least 1") }
        let until = try p.until.map { try instant($0, "until", rules.userZone) }
        return Upcoming.Reply(reminders: try store.upcoming(limit: limit, before: until).map(\.info), timeZone: rules.userZone.identifier)
    }

    /// The caller's items and the team's (no owner); everyone's for a caller who is no
    /// team user (root, the daemon's uid), as before team users had inboxes.
    func inbox(_ p: Inbox.Parameters, _ call: Call) throws -> Inbox.Reply {
        let (filter, limit) = try ControlService.inboxQuery(p)
        let rules = try call.rules()
        let since = try p.since.map { try instant($0, "since", rules.userZone, looking: .back) }  // "monday" is the last Monday
        let items = try store.inbox(filter, limit: limit, since: since, viewer: call.user)
        let deliveries = try store.deliveries(inboxItemIDs: items.map(\.id))
        return Inbox.Reply(items: items.map { item in
            var info = item.info
            info.deliveries = (deliveries[item.id] ?? []).map(\.info)
            return info
        }, timeZone: rules.userZone.identifier)
    }

    func cancelReminder(_ p: CancelReminder.Parameters) throws -> CancelReminder.Reply {
        let reminder = try store.cancelReminder(id: p.id)
        logger.info("reminder cancelled", metadata: ["reminder_id": "\(reminder.id)"])
        return CancelReminder.Reply(reminder: reminder.info, summary: reminder.cancelledSummary)
    }

    func moveReminder(_ p: MoveReminder.Parameters, rules: TimingRules) throws -> MoveReminder.Reply {
        let at = try instant(p.at, "at", rules.userZone)
        let reminder = try store.moveReminder(id: p.id, to: at, zone: rules.userZone, now: clock.now())
        logger.info("reminder moved to \(JSONCoding.formatDate(at))", metadata: ["reminder_id": "\(reminder.id)"])
        return MoveReminder.Reply(reminder: reminder.info,
                                  summary: "moved reminder \(reminder.id) to \(Planner.describeMoment(reminder.fireAt, rules.userZone))")
    }

    /// Only the item's owner may, or anyone for the team's (`TeamStore.close`).
    func close(_ p: InboxItemReference, as state: InboxState, _ call: Call) throws -> InboxItemReply {
        let item = try store.close(inboxID: p.id, as: state, by: call.user)
        logger.info("inbox item \(state.rawValue)", metadata: ["inbox_id": "\(item.id)"])
        // A popup this node still shows for it is taken down (its pending jobs were
        // cancelled with the change).
        if let delivery { Task { await delivery.withdraw(inboxItemID: item.id) } }
        return InboxItemReply(item: item.info, timeZone: try call.rules().userZone.identifier)
    }

    /// Hides the item for every node until the time asked (read as the personal daemon
    /// reads it); it comes back once, from whichever node fires its comeback.
    func snooze(_ p: Snooze.Parameters, _ call: Call) throws -> InboxItemReply {
        let now = clock.now()
        let rules = try call.rules()
        let until = try ControlService.snoozeUntil(p, now: now, zone: rules.userZone, rules: rules) { try instant($0, "until", rules.userZone) }
        let item = try store.snooze(inboxID: p.id, until: until, now: now, by: call.user)
        logger.info("inbox item snoozed until \(JSONCoding.formatDate(until))", metadata: ["inbox_id": "\(item.id)"])
        // A popup this node still shows for it is taken down, as on the personal daemon.
        if let delivery { Task { await delivery.withdraw(inboxItemID: item.id) } }
        return InboxItemReply(item: item.info, timeZone: rules.userZone.identifier)
    }

    /// Answered even while the database is down: that is when it matters most. The
    /// pending count and next deadline come from this node's scheduler (what it will fire);
    /// the unread count is the caller's inbox's (`inbox`).
    func status(_ call: Call) -> Status.Reply {
        let (next, pending) = scheduler.snapshot()
        var database = store.location
        var unread = 0
        var nextText: String?
        var timeZone = zone()
        var counts = (contacts: 0, awaitingReply: 0)
        do {
            timeZone = try call.rules().userZone
            unread = try store.unreadCount(viewer: call.user)
            counts = try store.counts()
            nextText = try store.upcoming(limit: 1).first { $0.id == next?.id }?.text
        } catch {
            database += " — UNAVAILABLE: \((error as? TeamStoreError)?.reason ?? "\(error)")"
        }
        return Status.Reply(version: ControlService.version, startedAt: startedAt, contacts: counts.contacts,
                            awaitingReply: counts.awaitingReply,
                            pendingReminders: pending, unread: unread, nextDueAt: next?.due, nextDueText: nextText,
                            database: database, timeZone: timeZone.identifier,
                            channels: (delivery?.health ?? []).map { ChannelInfo(name: $0.name, health: $0.health) },
                            mailSources: mailSources?.infos)
    }

    /// `text` as an instant: ISO 8601, or a time expression ("tomorrow 9:30") read in
    /// `zone` (the caller's), looking ahead or back.
    func instant(_ text: String, _ parameter: String, _ zone: TimeZone,
                 looking direction: WhenExpression.Direction = .ahead) throws -> Date {
        if let date = JSONCoding.parseDate(text) { return date }
        do {
            return try WhenExpression.parse(text, now: clock.now(), timeZone: zone, looking: direction)
        } catch {
            throw ControlError.invalidParameter(parameter, reason: "\(error)")
        }
    }
}
