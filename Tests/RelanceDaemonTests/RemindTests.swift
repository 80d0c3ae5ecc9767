import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
@testable import RelanceDaemon
@testable import RelanceStore
import RelanceTestKit
import Testing
import VarlinkProtocol
import VarlinkTransport

/// Issue #15: the daemon reads the times people type, in the user's zone, so a client
/// makes one call; and `RemindMany` sets many reminders in one transaction, all or none.
/// A real in-memory store and scheduler, the real service, bytes in and out.
@Suite struct RemindTests {
    /// Tuesday 1 December 2026, 10:00 in Paris.
    static let now = "2026-12-01T09:00:00Z"

    struct Harness {
        let store: AppDatabase
        let scheduler: Scheduler
        let connection: VarlinkMemoryConnection
        let changes = NIOLockedValueBox(0)

        init() throws {
            store = try AppDatabase.inMemory()
            let clock = ManualClock(RemindTests.now)
            // Started: the store's reminder feed reaches its heap. Nothing here comes due.
            scheduler = Scheduler(store: store, time: clock, logger: Logger(label: "test")) { _ in }
            _ = try scheduler.start()
            let configuration = LiveConfiguration(Configuration(rules: TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)))
            let changes = changes
            let service = ControlService(store: store, scheduler: scheduler, broadcaster: InboxBroadcaster(),
                                         configuration: configuration, clock: clock, databasePath: ":memory:",
                                         logger: Logger(label: "test"), didChange: { changes.withLockedValue { $0 += 1 } })
            connection = VarlinkMemoryConnection(service: service, errors: ControlService.transportErrors)
        }

        /// Sends one call and returns the decoded reply.
        func call(_ method: String, _ parameters: [String: JSONValue]) async throws -> VarlinkReply {
            let frame = try VarlinkFraming.encode(VarlinkCall(method: "io.relance.Control." + method, parameters: parameters))
            let bytes = try await connection.send(Array(frame))
            return try VarlinkFraming.decodeReply(bytes.split(separator: 0).first ?? [])
        }

        var changeCount: Int { changes.withLockedValue { $0 } }
        var pendingCount: Int { (try? store.upcoming(limit: 100_000).count) ?? -1 }
    }

    static func item(_ at: String, _ text: String, contact: String? = nil) -> JSONValue {
        var fields: [String: JSONValue] = ["at": .string(at), "text": .string(text)]
        if let contact { fields["contact"] = .string(contact) }
        return .object(fields)
    }

    static func string(_ reply: VarlinkReply, _ key: String) -> String? {
        if case .string(let value)? = reply.parameters?[key] { return value }
        return nil
    }

    // MARK: Remind reads what a person types

    @Test func remindReadsATypedTimeInTheUsersZoneAndNamesTheZone() async throws {
        let harness = try Harness()

        let reply = try await harness.call("Remind", ["at": .string("tomorrow 9:30"), "text": .string("Call the bakery")])

        #expect(reply.error == nil, "\(reply)")
        let reminder = try reply.parameters?["reminder"]?.decode(as: ReminderInfo.self)
        // 09:30 in Paris on Wednesday 2 December is 08:30 UTC.
        #expect(reminder?.dueAt == instant("2026-12-02T08:30:00Z"))
        #expect(Self.string(reply, "timeZone") == "Europe/Paris")
    }

    @Test func remindStillTakesTheIDLsISO8601Instant() async throws {
        let harness = try Harness()

        let reply = try await harness.call("Remind", ["at": .string("2026-12-03T17:00:00.000Z"), "text": .string("Call Ada")])

        #expect(try reply.parameters?["reminder"]?.decode(as: ReminderInfo.self).dueAt == instant("2026-12-03T17:00:00Z"))
    }

    @Test func aTimeThatCannotBeReadIsAnInvalidParameterWithExamplesAndNothingIsWritten() async throws {
        let harness = try Harness()

        let reply = try await harness.call("Remind", ["at": .string("someday"), "text": .string("Call Ada")])

        #expect(reply.error == "io.relance.Control.InvalidParameter")
        #expect(Self.string(reply, "parameter") == "at")
        #expect(Self.string(reply, "reason")
            == "cannot read 'someday' as a time; write e.g. '2026-12-01 09:00', 'tomorrow 9:30', 'friday 14:00', 'in 2h' or 'PT2S'")
        #expect(harness.pendingCount == 0)
        #expect(harness.changeCount == 0)
    }

    @Test func inboxSinceLooksBack() async throws {
        let harness = try Harness()

        let back = try await harness.call("Inbox", ["since": .string("yesterday")])
        let ahead = try await harness.call("Inbox", ["since": .string("tomorrow")])

        #expect(back.error == nil, "\(back)")
        #expect(ahead.error == "io.relance.Control.InvalidParameter")
        #expect(Self.string(ahead, "parameter") == "since")
    }

    @Test func anEventStartIsReadInTheEventsZone() async throws {
        let harness = try Harness()

        let reply = try await harness.call("AddEvent", ["title": .string("Meetup"), "start": .string("friday 19:00"),
                                                       "timeZone": .string("America/New_York")])

        let event = try reply.parameters?["event"]?.decode(as: EventInfo.self)
        #expect(event?.start == "2026-12-04T19:00:00")
        #expect(event?.timeZone == "America/New_York")
    }

    // MARK: RemindMany: one transaction, all or none

    @Test func remindManySetsEveryReminderInOneTransactionAndTheSchedulerHearsOfThem() async throws {
        let harness = try Harness()
        _ = try harness.store.addContact(ContactDraft(name: "Ada Lovelace"), now: instant(RemindTests.now))

        let reply = try await harness.call("RemindMany", ["reminders": .array([
            Self.item("tomorrow 9:30", "Call the bakery"),
            Self.item("2026-12-03T17:00:00.000Z", "Send the deck", contact: "ada"),
            Self.item("in 2h", "Stretch"),
        ])])

        #expect(reply.error == nil, "\(reply)")
        let ids = try reply.parameters?["ids"]?.decode(as: [Int64].self) ?? []
        #expect(ids.count == 3)
        let stored = try ids.map { try harness.store.reminder(id: $0) }
        #expect(stored.map { $0?.text } == ["Call the bakery", "Send the deck", "Stretch"])
        #expect(stored[1]?.contactID != nil)
        #expect(stored.map { $0?.dueAt } == [instant("2026-12-02T08:30:00Z"), instant("2026-12-03T17:00:00Z"),
                                             instant("2026-12-01T11:00:00Z")])
        // The store's reminder feed told the scheduler: its heap holds all three.
        #expect(harness.scheduler.snapshot().pending == 3)
        #expect(harness.scheduler.snapshot().next?.due == instant("2026-12-01T11:00:00Z"))
        #expect(harness.changeCount == 1)
    }

    @Test(arguments: [
        (Self.item("tomorrow", "ok"), Self.item("someday", "bad time"), "reminders[1].at", "cannot read 'someday' as a time"),
        (Self.item("tomorrow", "ok"), Self.item("tomorrow", "  "), "reminders[1].text", "must not be empty"),
        (Self.item("tomorrow", "ok"), Self.item("tomorrow", "two\nlines"), "reminders[1].text", "must be a single line"),
        (Self.item("tomorrow", "ok"), Self.item("tomorrow", "who?", contact: "zed"), "reminders[1].contact", "no contact matches 'zed'"),
    ])
    func oneBadItemIsNamedByIndexAndFieldAndNothingIsWritten(_ good: JSONValue, _ bad: JSONValue,
                                                             _ parameter: String, _ reason: String) async throws {
        let harness = try Harness()

        let reply = try await harness.call("RemindMany", ["reminders": .array([good, bad, good])])

        #expect(reply.error == "io.relance.Control.InvalidParameter")
        #expect(Self.string(reply, "parameter") == parameter)
        #expect(Self.string(reply, "reason")?.hasPrefix(reason) == true, "\(reply)")
        #expect(harness.pendingCount == 0)
        #expect(harness.scheduler.snapshot().pending == 0)
        #expect(harness.changeCount == 0)
    }

    @Test func aBatchOverTheBoundIsRefusedAtTheDoorBeforeAnyItemIsRead() async throws {
        let harness = try Harness()
        // Every item would be refused too: the bound is what answers.
        let items = Array(repeating: Self.item("someday", ""), count: ReminderBatch.maximumCount + 1)

        let reply = try await harness.call("RemindMany", ["reminders": .array(items)])

        #expect(reply.error == "io.relance.Control.InvalidParameter")
        #expect(Self.string(reply, "parameter") == "reminders")
        #expect(Self.string(reply, "reason") == "5001 reminders in one call; at most 5000: split the list into several calls")
        #expect(harness.pendingCount == 0)
    }

    @Test func aBatchAtTheBoundIsAccepted() async throws {
        let harness = try Harness()
        let items = (0..<ReminderBatch.maximumCount).map { Self.item("2026-12-0\($0 % 8 + 2)T09:00:00Z", "reminder \($0)") }

        let reply = try await harness.call("RemindMany", ["reminders": .array(items)])

        #expect(reply.error == nil)
        #expect(harness.pendingCount == ReminderBatch.maximumCount)
        #expect(harness.scheduler.snapshot().pending == ReminderBatch.maximumCount)
    }

    @Test func anEmptyBatchIsRefused() async throws {
        let harness = try Harness()

        let reply = try await harness.call("RemindMany", ["reminders": .array([])])

        #expect(reply.error == "io.relance.Control.InvalidParameter")
        #expect(Self.string(reply, "reason") == "give at least one reminder")
    }

    // MARK: The store on its own

    @Test func aReminderOfABatchIsStoredExactlyAsOneSetAlone() throws {
        let store = try AppDatabase.inMemory()
        let (contact, _) = try store.addContact(ContactDraft(name: "Ada Lovelace"), now: instant(Self.now))
        let due = instant("2026-12-02T09:00:00Z")

        let (alone, _) = try store.addReminder(text: " Call Ada ", dueAt: due, contactID: contact.id)
        let (ids, changes) = try store.addReminders([(text: " Call Ada ", dueAt: due, contactID: contact.id)])

        var batched = try #require(try store.reminder(id: ids[0]))
        #expect(batched.id != alone.id)
        batched.id = alone.id
        #expect(batched == alone)
        #expect(changes.scheduled == [ScheduledReminder(id: ids[0], due: due)])
    }

    @Test func theStoreWritesNothingWhenAContactVanishedBeforeTheTransaction() throws {
        let store = try AppDatabase.inMemory()

        #expect(throws: RelanceCore.ValidationError(field: "reminders[1].contact", reason: "no contact has id 42")) {
            _ = try store.addReminders([(text: "fine", dueAt: instant("2026-12-02T09:00:00Z"), contactID: nil),
                                        (text: "theirs", dueAt: instant("2026-12-02T09:00:00Z"), contactID: 42)])
        }
        #expect(try store.upcoming(limit: 10).isEmpty)
    }
}
