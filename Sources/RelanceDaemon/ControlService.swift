import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

/// Answers `io.relance.Control`: decodes each call's parameters, runs one store
/// transaction, tells the scheduler what changed, and encodes the reply.
public final class ControlService: VarlinkService {
    public static let version = "0.1.0"

    public let info = VarlinkServiceInfo(vendor: "Relance", product: "relanced", version: ControlService.version,
                                         url: "https://github.com/relance/relance")
    public let interfaces = [ControlInterface.description]

    let store: AppDatabase
    let scheduler: Scheduler
    let broadcaster: InboxBroadcaster
    let clock: any WallClock
    let logger: Logger
    let startedAt: Date
    let databasePath: String
    private let configuration: NIOLockedValueBox<Configuration>
    private let reloadHandler: @Sendable () throws -> Void
    private let didChange: @Sendable () -> Void

    /// - Parameters:
    ///   - didChange: called after every successful call that changed the store.
    ///   - reload: re-reads the configuration (`Reload`); throws `ConfigurationError`.
    public init(store: AppDatabase, scheduler: Scheduler, broadcaster: InboxBroadcaster, configuration: Configuration,
                clock: any WallClock, databasePath: String, logger: Logger,
                didChange: @escaping @Sendable () -> Void = {},
                reload: @escaping @Sendable () throws -> Void = {}) {
        self.store = store
        self.scheduler = scheduler
        self.broadcaster = broadcaster
        self.configuration = NIOLockedValueBox(configuration)
        self.clock = clock
        self.startedAt = clock.now()
        self.databasePath = databasePath
        self.logger = logger
        self.reloadHandler = reload
        self.didChange = didChange
    }

    /// Methods that only read; every other call may have changed the store.
    private static let readOnly: Set = [ListContacts.name, GetContact.name, ListOutreach.name, Upcoming.name,
                                        Inbox.name, Status.name, Watch.name, Reload.name]

    /// The configuration in force.
    public var currentConfiguration: Configuration {
        get { configuration.withLockedValue { $0 } }
        set { configuration.withLockedValue { $0 = newValue } }
    }

    /// The errors the transport sends on this interface's behalf.
    public static let transportErrors = VarlinkServer.Errors(
        invalidMessage: { ControlError.invalidMessage(reason: $0) },
        messageTooLarge: { ControlError.messageTooLarge(limit: $0) },
        invalidParameter: { ControlError.invalidParameter($0, reason: $1) })

    public func handle(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        do {
            switch call.memberName {
            case AddContact.name: try await replies.send(addContact(decode(call)))
            case ListContacts.name: try await replies.send(listContacts(decode(call)))
            case GetContact.name: try await replies.send(getContact(decode(call)))
            case LogOutreach.name: try await replies.send(logOutreach(decode(call)))
            case ListOutreach.name: try await replies.send(listOutreach(decode(call)))
            case RecordReply.name: try await replies.send(recordReply(decode(call)))
            case Remind.name: try await replies.send(remind(decode(call)))
            case Upcoming.name: try await replies.send(upcoming(decode(call)))
            case Inbox.name: try await replies.send(inbox(decode(call)))
            case MarkRead.name: try await replies.send(markRead(decode(call)))
            case Done.name: try await replies.send(close(decode(call), as: .done))
            case Dismiss.name: try await replies.send(close(decode(call), as: .dismissed))
            case Snooze.name: try await replies.send(snooze(decode(call)))
            case Status.name: try await replies.send(status())
            case Reload.name: try await replies.send(reload())
            case Watch.name: try await watch(call, replies: replies)
            default: throw VarlinkError.methodNotImplemented(call.method)
            }
            if !Self.readOnly.contains(call.memberName) { didChange() }
        } catch let error as StoreError {
            throw Self.varlinkError(error)
        } catch let error as ValidationError {
            throw ControlError.invalidParameter(error.field, reason: error.reason)
        }
    }

    static func varlinkError(_ error: StoreError) -> VarlinkError {
        switch error {
        case .contactNotFound(let query): ControlError.contactNotFound(query: query)
        case .ambiguousContact(let query, let candidates): ControlError.ambiguousContact(query: query, candidates: candidates)
        case .outreachNotFound(let id): ControlError.outreachNotFound(id: id)
        case .inboxItemNotFound(let id): ControlError.inboxItemNotFound(id: id)
        case .invalidState(let what, let reason): ControlError.invalidParameter(what, reason: reason)
        }
    }

    /// Decodes the call's parameters; a missing or mistyped field becomes
    /// `InvalidParameter` naming it (the transport maps `DecodingError`).
    private func decode<T: Decodable>(_ call: VarlinkCall) throws -> T {
        try JSONValue.object(call.parameters ?? [:]).decode(as: T.self)
    }

    // MARK: Contacts

    private func addContact(_ p: AddContact.Parameters) throws -> AddContact.Reply {
        let draft = ContactDraft(name: p.name, emails: p.emails ?? [], handles: p.handles ?? [:],
                                 organization: p.organization, timeZone: p.timeZone, why: p.why,
                                 tags: p.tags ?? [], notes: p.notes)
        let contact = try store.addContact(draft, now: clock.now())
        logger.info("added contact \(contact.name)", metadata: ["contact_id": "\(contact.id)"])
        return AddContact.Reply(contact: contact.info)
    }

    private func listContacts(_ p: ListContacts.Parameters) throws -> ListContacts.Reply {
        var contacts = try store.contacts()
        if let query = p.query?.trimmingCharacters(in: .whitespaces), !query.isEmpty {
            contacts = contacts.filter { $0.name.range(of: query, options: [.caseInsensitive, .diacriticInsensitive]) != nil }
        }
        return ListContacts.Reply(contacts: contacts.map(\.info))
    }

    private func getContact(_ p: GetContact.Parameters) throws -> GetContact.Reply {
        let contact = try store.resolveContact(p.contact)
        let outreach = try store.outreaches(contactID: contact.id)
        return GetContact.Reply(contact: contact.info, outreach: outreach.map { $0.info(contactName: contact.name) })
    }

    // MARK: Outreach

    private func logOutreach(_ p: LogOutreach.Parameters) throws -> LogOutreach.Reply {
        let configuration = currentConfiguration
        var policy = configuration.followUp
        if let followUp = p.followUp {
            do {
                policy = FollowUpPolicy(delay: try ISODuration(parsing: followUp))
            } catch {
                throw ControlError.invalidParameter("followUp", reason: "\(error)")
            }
        }
        let contact = try store.resolveContact(p.contact)
        let (outreach, reminder, changes) = try store.logOutreach(
            contactID: contact.id, channel: p.channel ?? "email", ask: p.ask, sentAt: p.sentAt ?? clock.now(),
            policy: policy, timeZone: configuration.timeZone)
        scheduler.apply(changes)
        logger.info("logged outreach to \(contact.name); follow-up due \(JSONCoding.formatDate(reminder.dueAt))",
                    metadata: ["contact_id": "\(contact.id)", "outreach_id": "\(outreach.id)", "reminder_id": "\(reminder.id)"])
        return LogOutreach.Reply(outreach: outreach.info(contactName: contact.name), followUp: reminder.info)
    }

    private func listOutreach(_ p: ListOutreach.Parameters) throws -> ListOutreach.Reply {
        var status: OutreachStatus?
        if let text = p.status {
            guard let parsed = OutreachStatus(rawValue: text) else {
                throw ControlError.invalidParameter("status", reason: "'\(text)' is not one of \(OutreachStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let contactID = try p.contact.map { try store.resolveContact($0).id }
        let names = Dictionary(uniqueKeysWithValues: try store.contacts().map { ($0.id, $0.name) })
        let outreach = try store.outreaches(contactID: contactID, status: status)
        return ListOutreach.Reply(outreach: outreach.map { $0.info(contactName: names[$0.contactID] ?? "") })
    }

    private func recordReply(_ p: RecordReply.Parameters) throws -> RecordReply.Reply {
        guard let outcome = ReplyOutcome(rawValue: p.outcome) else {
            throw ControlError.invalidParameter("outcome", reason: "'\(p.outcome)' is not one of \(ReplyOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let (outreach, changes) = try store.recordReply(outreachID: p.outreach, outcome: outcome, at: p.at ?? clock.now())
        scheduler.apply(changes)
        let contact = try store.contact(id: outreach.contactID)
        logger.info("recorded \(outcome.rawValue) for outreach \(outreach.id); cancelled \(changes.cancelled.count) follow-up(s)",
                    metadata: ["outreach_id": "\(outreach.id)", "contact_id": "\(contact.id)"])
        return RecordReply.Reply(outreach: outreach.info(contactName: contact.name), cancelledReminders: changes.cancelled.count)
    }

    // MARK: Reminders and inbox

    private func remind(_ p: Remind.Parameters) throws -> Remind.Reply {
        let contactID = try p.contact.map { try store.resolveContact($0).id }
        let (reminder, changes) = try store.addReminder(text: p.text, dueAt: p.at, contactID: contactID)
        scheduler.apply(changes)
        logger.info("reminder set for \(JSONCoding.formatDate(p.at))", metadata: ["reminder_id": "\(reminder.id)"])
        return Remind.Reply(reminder: reminder.info)
    }

    private func upcoming(_ p: Upcoming.Parameters) throws -> Upcoming.Reply {
        let limit = p.limit ?? 50
        guard limit > 0 else { throw ControlError.invalidParameter("limit", reason: "must be at least 1") }
        return Upcoming.Reply(reminders: try store.upcoming(limit: limit).map(\.info))
    }

    private func inbox(_ p: Inbox.Parameters) throws -> Inbox.Reply {
        let filter: InboxFilter
        switch p.filter ?? "open" {
        case "open": filter = .open
        case "unread": filter = .unread
        case "all": filter = .all
        case let other: throw ControlError.invalidParameter("filter", reason: "'\(other)' is not one of open, unread, all")
        }
        let limit = p.limit ?? 100
        guard limit > 0 else { throw ControlError.invalidParameter("limit", reason: "must be at least 1") }
        return Inbox.Reply(items: try store.inbox(filter, limit: limit).map(\.info))
    }

    private func markRead(_ p: MarkRead.Parameters) throws -> MarkRead.Reply {
        MarkRead.Reply(items: try store.markRead(ids: p.ids).map(\.info))
    }

    private func close(_ p: InboxItemReference, as state: InboxState) throws -> InboxItemReply {
        let (item, changes) = try store.close(inboxID: p.id, as: state)
        scheduler.apply(changes)
        logger.info("inbox item \(state.rawValue)", metadata: ["inbox_id": "\(item.id)"])
        return InboxItemReply(item: item.info)
    }

    private func snooze(_ p: Snooze.Parameters) throws -> InboxItemReply {
        let now = clock.now()
        let until: Date
        switch (p.duration, p.until) {
        case (let duration?, nil):
            do {
                until = try ISODuration(parsing: duration).added(to: now, in: currentConfiguration.timeZone)
            } catch {
                throw ControlError.invalidParameter("duration", reason: "\(error)")
            }
        case (nil, let date?): until = date
        default: throw ControlError.invalidParameter("duration", reason: "give either duration or until")
        }
        guard until > now else { throw ControlError.invalidParameter("until", reason: "must be in the future") }
        let (item, changes) = try store.snooze(inboxID: p.id, until: until)
        scheduler.apply(changes)
        logger.info("inbox item snoozed until \(JSONCoding.formatDate(until))", metadata: ["inbox_id": "\(item.id)"])
        return InboxItemReply(item: item.info)
    }

    // MARK: Service

    private func watch(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        guard call.more == true else { throw VarlinkError.expectedMore(call.method) }
        for await item in broadcaster.subscribe() {
            try await replies.send(InboxItemReply(item: item.info), continues: true)
        }
    }

    private func status() throws -> Status.Reply {
        let counts = try store.counts(includingPending: false)
        // The scheduler's heap knows the pending count: no COUNT over a million rows.
        let (next, pending) = scheduler.snapshot()
        let nextReminder = try next.flatMap { try store.reminder(id: $0.id) }
        return Status.Reply(version: Self.version, startedAt: startedAt, contacts: counts.contacts,
                            awaitingReply: counts.outreachAwaitingReply, pendingReminders: pending,
                            unread: counts.unread, nextDueAt: next?.due, nextDueText: nextReminder?.text,
                            database: databasePath)
    }

    private func reload() throws -> Empty {
        do {
            try reloadHandler()
        } catch let error as ConfigurationError {
            throw ControlError.configurationInvalid(reason: error.description)
        }
        return Empty()
    }
}
