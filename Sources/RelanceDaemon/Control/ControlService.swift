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
    let reloadHandler: @Sendable () throws -> Void
    let didChange: @Sendable () -> Void

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
        }
    }

    /// A store error as the Control error the client sees.
    static func varlinkError(_ error: StoreError) -> VarlinkError {
        switch error {
        case .contactNotFound(let query, let suggestions): ControlError.contactNotFound(query: query, suggestions: suggestions)
        case .ambiguousContact(let query, let candidates): ControlError.ambiguousContact(query: query, candidates: candidates)
        case .outreachNotFound(let id): ControlError.outreachNotFound(id: id)
        case .inboxItemNotFound(let id): ControlError.inboxItemNotFound(id: id)
        case .invalidState(let what, let reason): ControlError.invalidParameter(what, reason: reason)
        }
    }

    /// The timing rules in force.
    var rules: TimingRules { currentConfiguration.rules }

    /// Where drafted-message templates live: `templates/` beside the configuration file.
    private let templatesBox = NIOLockedValueBox<String?>(nil)
    var templatesDirectory: String? {
        get { templatesBox.withLockedValue { $0 } }
        set { templatesBox.withLockedValue { $0 = newValue } }
    }

    /// Re-plans every pending computed reminder under the rules now in force (reload).
    public func replan() {
        do {
            let changes = try store.replan(rules: rules, now: clock.now())
            logger.notice("re-planned \(changes.scheduled.count) pending reminder(s) under the new rules")
        } catch {
            logger.error("re-planning failed: \(error)")
        }
    }

    /// Makes sure the given events' next occurrences have their reminders.
    public func materializeEvents(_ ids: Set<Int64>) {
        for id in ids {
            do {
                _ = try events.materialize(eventID: id, rules: rules, now: clock.now())
            } catch {
                logger.error("could not schedule the next occurrences of event \(id): \(error)", metadata: ["event_id": "\(id)"])
            }
        }
    }
}
