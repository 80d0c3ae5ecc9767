import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

/// Answers `io.relance.Control`: looks up the call's handler, which decodes the
/// parameters, runs one store transaction, tells the scheduler what changed, and encodes
/// the reply. The handlers are registered per method, by domain, in this folder.
public final class ControlService: VarlinkService {
    public static let version = "0.1.0"

    public let info = VarlinkServiceInfo(vendor: "Relance", product: "relanced", version: ControlService.version,
                                         url: "https://github.com/relance/relance")
    public let interfaces = [ControlInterface.description]

    let store: AppDatabase
    let scheduler: Scheduler
    let events: EventPlanner
    /// The outbox (nil when no channel is configured, and in tests).
    let delivery: DeliveryService?
    /// The IMAP folders followed and their state, for `Status`.
    let mailSources: MailSourceHealth?
    /// False for the system service: a file named in a call would be read with the
    /// daemon's rights for a client who may not read it; clients send content instead.
    let readsClientPaths: Bool
    /// The automatic snapshots (nil for an in-memory store).
    let snapshots: SnapshotShelf?
    let broadcaster: InboxBroadcaster
    let clock: any WallClock
    let logger: Logger
    let startedAt: Date
    let databasePath: String
    let configuration: LiveConfiguration
    /// Where drafted-message templates live: `templates/` beside the configuration file.
    let templatesDirectory: String?
    let reloadHandler: @Sendable () throws -> Void
    let didChange: @Sendable () -> Void

    /// - Parameters:
    ///   - didChange: called after every successful call that changed the store.
    ///   - reload: re-reads the configuration (`Reload`); throws `ConfigurationError`.
    public init(store: AppDatabase, scheduler: Scheduler, events: EventPlanner? = nil, delivery: DeliveryService? = nil,
                mailSources: MailSourceHealth? = nil,
                snapshots: SnapshotShelf? = nil, broadcaster: InboxBroadcaster, configuration: LiveConfiguration,
                clock: any WallClock, databasePath: String, templatesDirectory: String? = nil,
                readsClientPaths: Bool = true, logger: Logger,
                didChange: @escaping @Sendable () -> Void = {},
                reload: @escaping @Sendable () throws -> Void = {}) {
        self.store = store
        self.scheduler = scheduler
        self.events = events ?? EventPlanner(store: store)
        self.delivery = delivery
        self.mailSources = mailSources
        self.readsClientPaths = readsClientPaths
        self.snapshots = snapshots
        self.broadcaster = broadcaster
        self.configuration = configuration
        self.templatesDirectory = templatesDirectory
        self.clock = clock
        self.startedAt = clock.now()
        self.databasePath = databasePath
        self.logger = logger
        self.reloadHandler = reload
        self.didChange = didChange
    }

    /// Every method's handler, and whether it only reads.
    static let handlers: ControlHandlers<ControlService> = {
        var handlers = ControlHandlers<ControlService>(interface: ControlInterface.description)
        registerContactHandlers(&handlers)
        registerOutreachHandlers(&handlers)
        registerMeetingAndEventHandlers(&handlers)
        registerReminderAndInboxHandlers(&handlers)
        registerInterchangeHandlers(&handlers)
        registerServiceHandlers(&handlers)
        return handlers
    }()

    /// Every non-streaming method's parameters are read with the frame, in one pass.
    public var parameterTypes: VarlinkParameterTypes { Self.parameterTypes }
    private static let parameterTypes = handlers.parameterTypes

    /// The configuration in force.
    public var currentConfiguration: Configuration { configuration.current }

    /// The errors the transport sends on this interface's behalf.
    public static let transportErrors = VarlinkServer.Errors(
        invalidMessage: { ControlError.invalidMessage(reason: $0) },
        messageTooLarge: { ControlError.messageTooLarge(limit: $0) },
        invalidParameter: { ControlError.invalidParameter($0, reason: $1) },
        tooManyConnections: { ControlError.tooManyConnections(limit: $0) })

    /// Runs the call's registered handler; after a successful call that may have changed
    /// the store, runs `didChange`. Store and validation errors become Control errors.
    public func handle(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        // The transport answers MethodNotFound for names the IDL does not declare.
        guard let handler = Self.handlers[call.memberName] else { throw VarlinkError.methodNotImplemented(call.method) }
        do {
            try await handler.run(self, call, replies)
            if !handler.readOnly { didChange() }
        } catch let error as StoreError {
            throw Self.varlinkError(error)
        } catch let error as ValidationError {
            throw ControlError.invalidParameter(error.field, reason: error.reason)
        } catch where AppDatabase.isStoreFailure(error) {
            // Disk full, a lock held past the busy timeout: say so, log it, keep serving.
            logger.error("\(call.memberName) failed in the store: \(error)", metadata: ["method": "\(call.memberName)"])
            throw ControlError.storeUnavailable(reason: "\(error)")
        }
    }

    /// A store error as the Control error the client sees.
    static func varlinkError(_ error: StoreError) -> VarlinkError {
        switch error {
        case .contactNotFound(let query, let suggestions): ControlError.contactNotFound(query: query, suggestions: suggestions)
        case .ambiguousContact(let query, let candidates): ControlError.ambiguousContact(query: query, candidates: candidates)
        case .outreachNotFound(let id): ControlError.outreachNotFound(id: id)
        case .inboxItemNotFound(let id): ControlError.inboxItemNotFound(id: id)
        case .meetingNotFound(let id): ControlError.meetingNotFound(id: id)
        case .duplicateMeeting(let id, let startsAt): ControlError.duplicateMeeting(id: id, startsAt: startsAt)
        case .eventNotFound(let id): ControlError.eventNotFound(id: id)
        case .occurrenceNotFound(let event, let at, let next): ControlError.occurrenceNotFound(event: event, at: at, next: next)
        case .reminderNotFound(let id): ControlError.reminderNotFound(id: id)
        case .reminderNotPending(let id, let state): ControlError.reminderNotPending(id: id, state: state)
        case .invalidState(let what, let reason): ControlError.invalidParameter(what, reason: reason)
        case .duplicateContact(let field, let value, let existing):
            ControlError.duplicateContact(field: field, value: value, existing: existing)
        case .openOutreach(let contact, let ids): ControlError.contactHasOpenOutreach(contact: contact, outreach: ids)
        }
    }

    /// Takes the automatic snapshot that comes before a destructive or bulk command; its
    /// id, or nil without a shelf. A snapshot that cannot be taken stops the command
    /// (`SnapshotFailed`) before it changes anything: no safety net, no jump.
    func safetySnapshot(_ reason: String) throws -> String? {
        guard let snapshots else { return nil }
        do {
            let entry = try snapshots.take(reason: reason, now: clock.now())
            logger.info("snapshot \(entry.id) taken (\(entry.size) bytes)")
            return entry.id
        } catch {
            throw ControlError.snapshotFailed(reason: "\(error)")
        }
    }

    /// The timing rules in force.
    var rules: TimingRules { currentConfiguration.rules }

    /// Refuses a file path in a call when this daemon must not read files for clients.
    func checkClientPath(_ path: String?, parameter: String) throws {
        guard path != nil, !readsClientPaths else { return }
        throw ControlError.invalidParameter(parameter, reason: "the system service reads no file for a client (it would read it with its own rights); send the file's content instead (relancectl does for files under 1 MiB)")
    }

    /// Makes sure the given events' next occurrences have their reminders.
    func materializeEvents(_ ids: Set<Int64>) {
        events.materialize(ids, rules: rules, now: clock.now(), logger: logger)
    }
}
