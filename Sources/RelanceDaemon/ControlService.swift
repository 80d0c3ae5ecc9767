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
    let events: EventPlanner
    /// Set once the delivery service exists (it needs the service for desktop actions).
    private let deliveryBox = NIOLockedValueBox<DeliveryService?>(nil)
    var delivery: DeliveryService? {
        get { deliveryBox.withLockedValue { $0 } }
        set { deliveryBox.withLockedValue { $0 = newValue } }
    }
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
        self.events = EventPlanner(store: store)
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
                                        Inbox.name, Status.name, Watch.name, Reload.name, ListMeetings.name, ListEvents.name,
                                        TestNotify.name, Draft.name, Backup.name, Export.name]

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
            case UpdateContact.name: try await replies.send(updateContact(decode(call)))
            case TouchContact.name: try await replies.send(touchContact(decode(call)))
            case LogFollowUp.name: try await replies.send(logFollowUp(decode(call)))
            case AddMeeting.name: try await replies.send(addMeeting(decode(call)))
            case ListMeetings.name: try await replies.send(listMeetings())
            case AddEvent.name: try await replies.send(addEvent(decode(call)))
            case ListEvents.name: try await replies.send(listEvents())
            case TestNotify.name: try await replies.send(await testNotify(decode(call)))
            case Draft.name: try await replies.send(draft(decode(call)))
            case Backup.name: try await replies.send(backup())
            case ImportContacts.name: try await replies.send(importContacts(decode(call)))
            case ImportEvents.name: try await replies.send(importEvents(decode(call)))
            case Export.name: try await replies.send(Export.Reply(text: try interchange.export((decode(call) as Export.Parameters).format, rules: rules)))
            case Restore.name: try await replies.send(restore(decode(call)))
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
        case .contactNotFound(let query, let suggestions): ControlError.contactNotFound(query: query, suggestions: suggestions)
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

    private var rules: TimingRules { currentConfiguration.rules }

    private func addContact(_ p: AddContact.Parameters) throws -> ContactReply {
        let draft = ContactDraft(name: p.name, emails: p.emails ?? [], handles: p.handles ?? [:],
                                 organization: p.organization, timeZone: p.timeZone, why: p.why,
                                 tags: p.tags ?? [], notes: p.notes, keepInTouch: try p.keepInTouch.map { try wait($0, "keepInTouch") })
        let (contact, changes) = try store.addContact(draft, now: clock.now(), rules: rules)
        scheduler.apply(changes)
        logger.info("added contact \(contact.name)", metadata: ["contact_id": "\(contact.id)"])
        return ContactReply(contact: contact.info)
    }

    private func updateContact(_ p: UpdateContact.Parameters) throws -> ContactReply {
        let contact = try store.resolveContact(p.contact)
        var keepInTouch: Wait??
        if let text = p.keepInTouch { keepInTouch = text == "never" || text.isEmpty ? .some(nil) : .some(try wait(text, "keepInTouch")) }
        let patch = ContactPatch(name: p.name, emails: p.emails, handles: p.handles, organization: p.organization,
                                 timeZone: p.timeZone, why: p.why, tags: p.tags, notes: p.notes, keepInTouch: keepInTouch)
        let (updated, changes) = try store.updateContact(id: contact.id, patch, now: clock.now(), rules: rules)
        scheduler.apply(changes)
        logger.info("updated contact \(updated.name); re-planned \(changes.scheduled.count) reminder(s)",
                    metadata: ["contact_id": "\(updated.id)"])
        return ContactReply(contact: updated.info)
    }

    private func touchContact(_ p: TouchContact.Parameters) throws -> ContactReply {
        let contact = try store.resolveContact(p.contact)
        scheduler.apply(try store.touchContact(id: contact.id, at: p.at ?? clock.now(), note: p.note, rules: rules))
        return ContactReply(contact: contact.info)
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

    private func wait(_ text: String, _ parameter: String) throws -> Wait {
        do { return try Wait(parsing: text) } catch { throw ControlError.invalidParameter(parameter, reason: "\(error)") }
    }

    private func wait(_ info: WaitInfo, _ parameter: String) throws -> Wait {
        switch (info.duration, info.businessDays) {
        case (let duration?, nil):
            do { return .duration(try ISODuration(parsing: duration)) } catch {
                throw ControlError.invalidParameter(parameter + ".duration", reason: "\(error)")
            }
        case (nil, let days?) where days >= 0: return .businessDays(days)
        case (nil, _?): throw ControlError.invalidParameter(parameter + ".businessDays", reason: "must be zero or more")
        default: throw ControlError.invalidParameter(parameter, reason: "give either duration or businessDays")
        }
    }

    /// The sequence an outreach asks for: a preset, explicit steps, or one wait.
    private func policy(_ p: LogOutreach.Parameters) throws -> FollowUpPolicy {
        var policy = rules.followUp
        if let name = p.policy {
            guard let preset = FollowUpPolicy.presets[name] else {
                throw ControlError.invalidParameter("policy", reason: "'\(name)' is not one of gentle, standard, persistent")
            }
            policy = preset
        }
        if let text = p.followUp {
            policy.nudges = try text.split(separator: ",").map { try wait(String($0), "followUp") }
        }
        if let steps = p.steps {
            guard !steps.isEmpty else { throw ControlError.invalidParameter("steps", reason: "give at least one wait") }
            policy.nudges = try steps.enumerated().map { try wait($1, "steps[\($0)]") }
        }
        if let letGo = p.letGo { policy.letGo = try wait(letGo, "letGo") }
        if p.neverLetGo == true { policy.letGo = nil }
        return policy
    }

    private func logOutreach(_ p: LogOutreach.Parameters) throws -> LogOutreach.Reply {
        let policy = try policy(p)
        let contact = try store.resolveContact(p.contact)
        let (outreach, reminder, changes) = try store.logOutreach(
            contactID: contact.id, channel: p.channel ?? "email", ask: p.ask, sentAt: p.sentAt ?? clock.now(),
            policy: policy, rules: rules)
        scheduler.apply(changes)
        logger.info("logged outreach to \(contact.name); first follow-up fires \(reminder.map { JSONCoding.formatDate($0.fireAt) } ?? "never")",
                    metadata: ["contact_id": "\(contact.id)", "outreach_id": "\(outreach.id)"])
        return LogOutreach.Reply(outreach: outreach.info(contactName: contact.name), followUp: reminder?.info)
    }

    private func logFollowUp(_ p: LogFollowUp.Parameters) throws -> LogFollowUp.Reply {
        let (outreach, next, changes) = try store.logFollowUp(outreachID: p.outreach, at: p.at ?? clock.now(), note: p.note, rules: rules)
        scheduler.apply(changes)
        let contact = try store.contact(id: outreach.contactID)
        logger.info("logged follow-up \(outreach.followUpsSent) for outreach \(outreach.id)",
                    metadata: ["outreach_id": "\(outreach.id)", "contact_id": "\(contact.id)"])
        return LogFollowUp.Reply(outreach: outreach.info(contactName: contact.name), next: next?.info)
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

    private func duration(_ text: String?, _ parameter: String, default value: ISODuration) throws -> ISODuration {
        guard let text else { return value }
        do { return try ISODuration(parsing: text) } catch { throw ControlError.invalidParameter(parameter, reason: "\(error)") }
    }

    private func recordReply(_ p: RecordReply.Parameters) throws -> RecordReply.Reply {
        guard let outcome = ReplyOutcome(rawValue: p.outcome) else {
            throw ControlError.invalidParameter("outcome", reason: "'\(p.outcome)' is not one of \(ReplyOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var meeting: MeetingDraft?
        if let meetingAt = p.meetingAt {
            guard outcome == .meeting else { throw ControlError.invalidParameter("meetingAt", reason: "only with outcome meeting") }
            guard let place = p.place else { throw ControlError.invalidParameter("place", reason: "say where the meeting is") }
            meeting = MeetingDraft(contactID: 0, startsAt: meetingAt,
                                   duration: try duration(p.duration, "duration", default: ISODuration(hours: 1)), place: place)
        }
        let now = clock.now()
        let (outreach, created, changes) = try store.recordReply(outreachID: p.outreach, outcome: outcome, at: p.at ?? now,
                                                                 meeting: meeting, rules: rules, now: now)
        scheduler.apply(changes)
        let contact = try store.contact(id: outreach.contactID)
        logger.info("recorded \(outcome.rawValue) for outreach \(outreach.id); cancelled \(changes.cancelled.count) reminder(s)",
                    metadata: ["outreach_id": "\(outreach.id)", "contact_id": "\(contact.id)"])
        return RecordReply.Reply(outreach: outreach.info(contactName: contact.name), cancelledReminders: changes.cancelled.count,
                                 meeting: created?.info(contactName: contact.name))
    }

    // MARK: Meetings and events

    private func addMeeting(_ p: AddMeeting.Parameters) throws -> AddMeeting.Reply {
        let contact = try store.resolveContact(p.contact)
        if let outreachID = p.outreach { _ = try store.outreach(id: outreachID) }
        let draft = MeetingDraft(contactID: contact.id, outreachID: p.outreach, startsAt: p.at,
                                 duration: try duration(p.duration, "duration", default: ISODuration(hours: 1)),
                                 place: p.place, notes: p.notes)
        let (meeting, changes) = try store.addMeeting(draft, rules: rules, now: clock.now())
        scheduler.apply(changes)
        logger.info("added meeting with \(contact.name) at \(meeting.place)", metadata: ["contact_id": "\(contact.id)"])
        let own = Set([ReminderKind.meetingPrep, .meetingLeave, .thankYou].map(\.rawValue))
        return AddMeeting.Reply(meeting: meeting.info(contactName: contact.name),
                                reminders: try reminders(changes).filter { own.contains($0.kind) })
    }

    private func listMeetings() throws -> ListMeetings.Reply {
        let names = Dictionary(uniqueKeysWithValues: try store.contacts().map { ($0.id, $0.name) })
        return ListMeetings.Reply(meetings: try store.meetings(from: clock.now()).map { $0.info(contactName: names[$0.contactID] ?? "") })
    }

    private func localDateTime(_ text: String, _ parameter: String) throws -> LocalDateTime {
        guard let value = LocalDateTime(text) else {
            throw ControlError.invalidParameter(parameter, reason: "'\(text)' is not a wall-clock time like 2026-12-10T19:00")
        }
        return value
    }

    private func addEvent(_ p: AddEvent.Parameters) throws -> AddEvent.Reply {
        let zoneName = p.timeZone ?? rules.userZone.identifier
        guard let zone = TimeZone(identifier: zoneName) else {
            throw ControlError.invalidParameter("timeZone", reason: "'\(zoneName)' is not an IANA time zone")
        }
        let start = try localDateTime(p.start, "start")
        var length: TimeInterval = 2 * 3600
        if let until = p.until {
            length = try localDateTime(until, "until").instant(in: zone).timeIntervalSince(start.instant(in: zone))
            guard length > 0 else { throw ControlError.invalidParameter("until", reason: "must be after the start") }
        } else if p.duration != nil {
            let parsed = try duration(p.duration, "duration", default: ISODuration(hours: 2))
            length = parsed.added(to: start.instant(in: zone), in: zone).timeIntervalSince(start.instant(in: zone))
        }
        var recurrence: EventRecurrence?
        if p.rrule != nil || p.rdates != nil {
            recurrence = EventRecurrence(rrule: p.rrule,
                                         exdates: try (p.exdates ?? []).enumerated().map { try localDateTime($1, "exdates[\($0)]") },
                                         rdates: try (p.rdates ?? []).enumerated().map { try localDateTime($1, "rdates[\($0)]") })
        }
        let offsets = try p.reminders.map { list in
            try list.enumerated().map { index, text in try duration(text, "reminders[\(index)]", default: ISODuration()) }
        }
        let draft = EventDraft(uid: p.uid ?? "\(UUID().uuidString.lowercased())@relance", title: p.title, start: start,
                               timeZone: zone.identifier, duration: length, place: p.place, url: p.url, rsvpBy: p.rsvpBy,
                               recurrence: recurrence, reminders: offsets)
        try events.validate(draft)
        let event = try store.addEvent(draft, rules: rules, now: clock.now())
        let changes = try events.materialize(eventID: event.id, rules: rules, now: clock.now())
        scheduler.apply(changes)
        logger.info("added event \(event.title)", metadata: ["event_id": "\(event.id)"])
        return AddEvent.Reply(event: try events.info(event, now: clock.now()), reminders: try reminders(changes))
    }

    private func listEvents() throws -> ListEvents.Reply {
        ListEvents.Reply(events: try store.events().map { try events.info($0, now: clock.now()) })
    }

    private func reminders(_ changes: ScheduleChanges) throws -> [ReminderInfo] {
        try changes.scheduled.compactMap { try store.reminder(id: $0.id)?.info }.sorted { $0.fireAt < $1.fireAt }
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
        return Upcoming.Reply(reminders: try store.upcoming(limit: limit, before: p.until).map(\.info))
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
        return Inbox.Reply(items: try withDeliveries(store.inbox(filter, limit: limit, since: p.since)))
    }

    private func markRead(_ p: MarkRead.Parameters) throws -> MarkRead.Reply {
        MarkRead.Reply(items: try withDeliveries(store.markRead(ids: p.ids)))
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
        switch (p.duration, p.until, p.nextWindow ?? false) {
        case (let duration?, nil, false):
            do {
                until = try ISODuration(parsing: duration).added(to: now, in: currentConfiguration.timeZone)
            } catch {
                throw ControlError.invalidParameter("duration", reason: "\(error)")
            }
        case (nil, let date?, false): until = date
        case (nil, nil, true): until = rules.window.nextStart(after: now)
        default: throw ControlError.invalidParameter("duration", reason: "give one of duration, until or nextWindow")
        }
        guard until > now else { throw ControlError.invalidParameter("until", reason: "must be in the future") }
        let (item, changes) = try store.snooze(inboxID: p.id, until: until)
        scheduler.apply(changes)
        logger.info("inbox item snoozed until \(JSONCoding.formatDate(until))", metadata: ["inbox_id": "\(item.id)"])
        return InboxItemReply(item: item.info)
    }

    /// Inbox items with how each reached the user.
    func withDeliveries(_ items: [InboxItem]) throws -> [InboxItemInfo] {
        let deliveries = try store.deliveries(inboxItemIDs: items.map(\.id))
        return items.map { item in
            var info = item.info
            info.deliveries = (deliveries[item.id] ?? []).map {
                DeliveryInfo(channel: $0.channel, state: $0.state, attempts: $0.attempts, lastAttemptAt: $0.lastAttemptAt,
                             sentAt: $0.sentAt, lastError: $0.lastError, digest: $0.digest)
            }
            return info
        }
    }

    private func testNotify(_ p: TestNotify.Parameters) async throws -> TestNotify.Reply {
        guard let delivery else { return TestNotify.Reply(results: []) }
        let names = p.channel.map { [$0] } ?? delivery.channelNames
        if let name = p.channel, delivery.channel(name) == nil {
            throw ControlError.invalidParameter("channel", reason: "'\(name)' is not configured; configured: \(delivery.channelNames.joined(separator: ", "))")
        }
        var results: [ChannelInfo] = []
        for name in names { results.append(ChannelInfo(name: name, health: await delivery.test(name))) }
        return TestNotify.Reply(results: results)
    }

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
                let (_, changes) = try store.close(inboxID: itemID, as: .done)
                scheduler.apply(changes)
                logger.info("inbox item done (desktop)", metadata: metadata)
            case "snooze":
                let until = ISODuration(days: 1).added(to: clock.now(), in: rules.userZone)
                let (_, changes) = try store.snooze(inboxID: itemID, until: until)
                scheduler.apply(changes)
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

    var interchange: InterchangeService { InterchangeService(store: store, events: events, clock: clock) }

    private func importContacts(_ p: ImportContacts.Parameters) throws -> ImportReply {
        let (report, changes) = try interchange.importContacts(p, rules: rules)
        scheduler.apply(changes)
        if report.applied {
            logger.notice("imported contacts: \(report.added) added, \(report.merged) merged, \(report.skipped) skipped, \(report.rejected) rejected")
        }
        return ImportReply(report: report)
    }

    private func importEvents(_ p: ImportEvents.Parameters) throws -> ImportReply {
        let (report, ids) = try interchange.importEvents(p, rules: rules)
        materializeEvents(Set(ids))
        if report.applied { logger.notice("imported \(report.added) event(s), skipped \(report.skipped)") }
        return ImportReply(report: report)
    }

    private func backup() throws -> Backup.Reply {
        Backup.Reply(snapshot: String(decoding: try store.snapshot(createdAt: clock.now()), as: UTF8.self))
    }

    private func restore(_ p: Restore.Parameters) throws -> Restore.Reply {
        let data: Data
        switch (p.snapshot, p.path) {
        case (let text?, nil): data = Data(text.utf8)
        case (nil, let path?):
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ControlError.invalidParameter("path", reason: "relanced cannot read \(path) (a service with a private /tmp cannot see files there; use a file in your home directory)")
            }
            data = contents
        default: throw ControlError.invalidParameter("snapshot", reason: "give either snapshot or path")
        }
        do {
            try store.restore(data, force: p.force ?? false)
        } catch let error as RestoreError {
            throw ControlError.restoreRefused(reason: error.reason)
        }
        try scheduler.reloadFromStore()
        materializeEvents(Set(try store.eventIDs()))
        delivery?.wake()
        let counts = try store.counts()
        logger.notice("state restored from a backup: \(counts.contacts) contact(s), \(counts.pendingReminders) pending reminder(s)")
        return Restore.Reply(contacts: counts.contacts, pendingReminders: counts.pendingReminders)
    }

    /// Where drafted-message templates live: `templates/` beside the configuration file.
    private let templatesBox = NIOLockedValueBox<String?>(nil)
    var templatesDirectory: String? {
        get { templatesBox.withLockedValue { $0 } }
        set { templatesBox.withLockedValue { $0 = newValue } }
    }

    private func draft(_ p: Draft.Parameters) throws -> Draft.Reply {
        let outreach = try store.outreach(id: p.outreach)
        let contact = try store.contact(id: outreach.contactID)
        let configuration = currentConfiguration
        let path = templatesDirectory.map { $0 + "/follow-up.txt" }
        var template = FollowUpDraft.builtIn
        var source = "built-in"
        if let path, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            template = text
            source = path
        }
        let (subject, body) = FollowUpDraft.render(template, contact: contact, outreach: outreach,
                                                   userName: configuration.userName, pitch: configuration.pitch,
                                                   zone: configuration.timeZone)
        return Draft.Reply(subject: subject, body: body, template: source)
    }

    // MARK: Service

    /// Re-plans every pending computed reminder under the rules now in force (reload).
    public func replan() {
        do {
            let changes = try store.replan(rules: rules, now: clock.now())
            scheduler.apply(changes)
            logger.notice("re-planned \(changes.scheduled.count) pending reminder(s) under the new rules")
        } catch {
            logger.error("re-planning failed: \(error)")
        }
    }

    /// Makes sure the given events' next occurrences have their reminders.
    public func materializeEvents(_ ids: Set<Int64>) {
        for id in ids {
            do {
                scheduler.apply(try events.materialize(eventID: id, rules: rules, now: clock.now()))
            } catch {
                logger.error("could not schedule the next occurrences of event \(id): \(error)", metadata: ["event_id": "\(id)"])
            }
        }
    }

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
                            database: databasePath, timeZone: rules.userZone.identifier,
                            channels: (delivery?.health ?? []).map { ChannelInfo(name: $0.name, health: $0.health) })
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
