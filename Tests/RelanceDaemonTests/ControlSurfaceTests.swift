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

/// The control surface byte in, byte out: a real in-memory store, the real service and
/// responder, and a `VarlinkMemoryConnection` instead of a socket.
@Suite struct ControlSurfaceTests {
    /// A service on an in-memory store, the connection that drives it, and a count of
    /// `didChange` calls.
    struct Harness {
        let store: AppDatabase
        let connection: VarlinkMemoryConnection
        let changes = NIOLockedValueBox(0)

        init() throws {
            store = try AppDatabase.inMemory()
            // No test here creates a reminder, so the scheduler never has anything due.
            let clock = ManualClock("2026-12-01T09:00:00Z")
            let scheduler = Scheduler(store: store, time: clock, logger: Logger(label: "test")) { _ in }
            let configuration = LiveConfiguration(Configuration(rules: TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)))
            let changes = changes
            let service = ControlService(store: store, scheduler: scheduler, broadcaster: InboxBroadcaster(),
                                         configuration: configuration, clock: clock, databasePath: ":memory:",
                                         logger: Logger(label: "test"), didChange: { changes.withLockedValue { $0 += 1 } })
            connection = VarlinkMemoryConnection(service: service, errors: ControlService.transportErrors)
        }

        /// Sends one frame (the NUL is added) and returns the bytes written back as text.
        func exchange(_ frame: String) async throws -> String {
            String(decoding: try await connection.send(Array(frame.utf8) + [0]), as: UTF8.self)
        }

        var changeCount: Int { changes.withLockedValue { $0 } }
    }

    // MARK: The registry against the IDL

    @Test func everyDeclaredMethodHasExactlyOneHandler() {
        let declared = ControlInterface.description.methods
        #expect(Set(declared).count == declared.count, "the IDL declares a method twice")
        let registered = ControlService.handlers.methodNames
        #expect(Set(declared).subtracting(registered).isEmpty, "declared without a handler")
        #expect(registered.subtracting(declared).isEmpty, "a handler for a method the IDL does not declare")
    }

    @Test func registeringAMethodTwiceTraps() async {
        await #expect(processExitsWith: .failure) {
            var handlers = ControlHandlers<Int>(interface: ControlInterface.description)
            handlers.register(Status.self, readOnly: true) { _, _ in throw CancellationError() }
            handlers.register(Status.self, readOnly: true) { _, _ in throw CancellationError() }
        }
    }

    @Test func onlyQueriesAreRegisteredReadOnly() {
        let readOnly = ControlService.handlers.methodNames.filter { ControlService.handlers[$0]!.readOnly }
        #expect(readOnly == ["ListContacts", "GetContact", "ListOutreach", "Upcoming", "Inbox", "Status", "Watch",
                             "Reload", "ListMeetings", "ListEvents", "TestNotify", "Draft", "Backup", "ListHolidays", "Export", "ListSnapshots",
                             "GetMe"])
    }

    // MARK: Unknown parameters

    @Test func anUnknownParameterNamesItselfTheClosestKnownOneAndTheKnownList() throws {
        let call = VarlinkCall(method: AddContact.qualifiedName,
                               parameters: ["name": .string("Ada"), "timezone": .string("Europe/Paris")])
        let error = #expect(throws: VarlinkError.self) {
            try ControlHandlers<Int>.decode(call, as: AddContact.self, interface: ControlInterface.description)
        }
        #expect(error?.name == "io.relance.Control.InvalidParameter")
        #expect(error?.parameters["parameter"] == .string("timezone"))
        #expect(error?.parameters["reason"] == .string(
            "unknown parameter 'timezone' for AddContact; did you mean 'timeZone'? "
                + "Known: name, emails, handles, organization, timeZone, why, tags, notes, keepInTouch, phones, title, "
                + "department, websites, givenName, familyName, birthday, photo, allowDuplicate"))
    }

    @Test func anUnknownParameterWithNothingCloseListsTheKnownOnes() throws {
        let call = VarlinkCall(method: GetContact.qualifiedName, parameters: ["contact": .string("ada"), "verbose": .bool(true)])
        let error = #expect(throws: VarlinkError.self) {
            try ControlHandlers<Int>.decode(call, as: GetContact.self, interface: ControlInterface.description)
        }
        #expect(error?.parameters["reason"] == .string("unknown parameter 'verbose' for GetContact. Known: contact"))
    }

    @Test func aParameterToAMethodWithoutParametersIsRefused() throws {
        let call = VarlinkCall(method: Status.qualifiedName, parameters: ["all": .bool(true)])
        let error = #expect(throws: VarlinkError.self) {
            try ControlHandlers<Int>.decode(call, as: Status.self, interface: ControlInterface.description)
        }
        #expect(error?.parameters["reason"] == .string("unknown parameter 'all' for Status; it takes no parameters"))
    }

    @Test func declaredParametersDecode() throws {
        let call = VarlinkCall(method: AddContact.qualifiedName, parameters: ["name": .string("Ada"), "timeZone": .string("Europe/Paris")])
        let parameters = try ControlHandlers<Int>.decode(call, as: AddContact.self, interface: ControlInterface.description)
        #expect(parameters == AddContact.Parameters(name: "Ada", timeZone: "Europe/Paris"))
    }

    // MARK: Byte in, byte out

    @Test func addContactThenGetContactRoundTripsAsBytes() async throws {
        let harness = try Harness()
        let added = try await harness.exchange(#"""
            {"method":"io.relance.Control.AddContact","parameters":{"name":"Ada Lovelace","emails":["ada@example.com"],"timeZone":"Europe/London"}}
            """#)
        let contact = #"{"createdAt":"2026-12-01T09:00:00.000Z","emails":["ada@example.com"],"handles":{},"id":1,"# +
            #""name":"Ada Lovelace","phones":[],"tags":[],"timeZone":"Europe/London","# +
            #""uid":"urn:uuid:cea00d65-a676-5810-9f59-b5ca9a551137","websites":[]}"#
        #expect(added == #"{"parameters":{"contact":"# + contact + "}}\0")

        let got = try await harness.exchange(#"{"method":"io.relance.Control.GetContact","parameters":{"contact":"ada"}}"#)
        // The reply names the user's zone (the configuration's), to show instants in.
        #expect(got == #"{"parameters":{"bouncing":[],"contact":"# + contact + #","outreach":[],"timeZone":"Europe/Paris"}}"# + "\0")
    }

    @Test func anUnknownMethodIsMethodNotFound() async throws {
        let harness = try Harness()
        let reply = try await harness.exchange(#"{"method":"io.relance.Control.Explode","parameters":{}}"#)
        #expect(reply == #"{"error":"org.varlink.service.MethodNotFound","parameters":{"method":"io.relance.Control.Explode"}}"# + "\0")
    }

    @Test func watchWithoutMoreIsExpectedMore() async throws {
        let harness = try Harness()
        let reply = try await harness.exchange(#"{"method":"io.relance.Control.Watch"}"#)
        #expect(reply == #"{"error":"org.varlink.service.ExpectedMore","parameters":{"method":"io.relance.Control.Watch"}}"# + "\0")
    }

    @Test func aMisspeltParameterIsRefusedAndNothingIsWritten() async throws {
        let harness = try Harness()
        let reply = try await harness.exchange(#"""
            {"method":"io.relance.Control.AddContact","parameters":{"name":"Ada","timezone":"Europe/Paris"}}
            """#)
        #expect(reply.hasPrefix(#"{"error":"io.relance.Control.InvalidParameter","parameters":{"parameter":"timezone","#))
        #expect(reply.contains("did you mean 'timeZone'?"))
        #expect(try harness.store.contacts().isEmpty)
        #expect(harness.changeCount == 0)
    }

    /// Disk full or a lock held past the busy timeout: the caller gets a declared error
    /// saying so (not a closed connection), nothing changes, and reads go on.
    @Test func aStoreFailureIsAnsweredAsStoreUnavailableAndReadsGoOn() async throws {
        let harness = try Harness()
        try harness.store.failWritesForTesting(true)
        let reply = try await harness.exchange(#"{"method":"io.relance.Control.AddContact","parameters":{"name":"Ada"}}"#)
        #expect(reply.hasPrefix(#"{"error":"io.relance.Control.StoreUnavailable","parameters":{"reason":"#), "\(reply)")
        let read = try await harness.exchange(#"{"method":"io.relance.Control.ListContacts","parameters":{}}"#)
        #expect(read == #"{"parameters":{"contacts":[]}}"# + "\0")
        try harness.store.failWritesForTesting(false)
        let retried = try await harness.exchange(#"{"method":"io.relance.Control.AddContact","parameters":{"name":"Ada"}}"#)
        #expect(retried.contains(#""name":"Ada""#))
    }

    @Test func aReadDoesNotSignalAChangeAndAWriteDoes() async throws {
        let harness = try Harness()
        _ = try await harness.exchange(#"{"method":"io.relance.Control.ListContacts","parameters":{}}"#)
        _ = try await harness.exchange(#"{"method":"io.relance.Control.Status"}"#)
        #expect(harness.changeCount == 0)

        _ = try await harness.exchange(#"{"method":"io.relance.Control.AddContact","parameters":{"name":"Ada"}}"#)
        #expect(harness.changeCount == 1)
    }

    @Test func aFailedWriteDoesNotSignalAChange() async throws {
        let harness = try Harness()
        let reply = try await harness.exchange(#"{"method":"io.relance.Control.GetContact","parameters":{"contact":"nobody"}}"#)
        #expect(reply.hasPrefix(#"{"error":"io.relance.Control.ContactNotFound""#))
        _ = try await harness.exchange(#"{"method":"io.relance.Control.UpdateContact","parameters":{"contact":"nobody"}}"#)
        #expect(harness.changeCount == 0)
    }

    @Test func severalFramesInOneWriteAreAnsweredInOrder() async throws {
        let harness = try Harness()
        let frames = [#"{"method":"io.relance.Control.AddContact","parameters":{"name":"Ada"}}"#,
                      #"{"method":"io.relance.Control.ListContacts"}"#]
        let bytes = try await harness.connection.send(frames.flatMap { Array($0.utf8) + [0] })
        let replies = try bytes.split(separator: 0).map { try VarlinkFraming.decodeReply($0) }
        #expect(replies.count == 2)
        guard case .array(let contacts)? = replies.last?.parameters?["contacts"] else {
            Issue.record("no contacts in \(replies)")
            return
        }
        #expect(contacts.count == 1)
    }

    /// A handler that only runs a store transaction runs off Swift's cooperative pool
    /// (a write waiting for the lock must not stall every other task); one that awaits
    /// stays on it.
    @Test func synchronousHandlersRunOffTheCooperativePool() async throws {
        let ranOffPool = NIOLockedValueBox<[String: Bool]>([:])
        var handlers = ControlHandlers<Int>(interface: ControlInterface.description)
        handlers.register(Status.self, readOnly: true) { _, _ in
            ranOffPool.withLockedValue { $0["Status"] = OffPool.isCurrent }
            return Status.Reply(version: "", startedAt: Date(), contacts: 0, awaitingReply: 0, pendingReminders: 0,
                                unread: 0, nextDueAt: nil, nextDueText: nil, database: "", timeZone: "UTC", channels: [], mailSources: nil)
        }
        handlers.register(TestNotify.self, readOnly: true) { _, _ in
            try await Task.sleep(for: .zero)
            ranOffPool.withLockedValue { $0["TestNotify"] = OffPool.isCurrent }
            return TestNotify.Reply(results: [])
        }
        let writer = VarlinkReplyWriter(oneway: true) { _ in }
        for name in ["Status", "TestNotify"] {
            try await handlers[name]!.run(0, VarlinkCall(method: "io.relance.Control.\(name)"), writer)
        }
        #expect(ranOffPool.withLockedValue { $0 } == ["Status": true, "TestNotify": false])
    }

    /// A short call (`Remind`) is answered on the caller's thread while the writer is
    /// free; when another write holds it, the call runs again, whole, on a store thread
    /// and waits there (issue #15).
    @Test func aShortCallRunsInPlaceUnlessTheWriterIsBusyThenOnAStoreThread() async throws {
        let store = try AppDatabase.open(path: FileManager.default.temporaryDirectory
            .appendingPathComponent("relance-\(UUID())/relance.sqlite").path)
        let runs = NIOLockedValueBox<[Bool]>([])  // per run of the handler: on a store thread?
        var handlers = ControlHandlers<AppDatabase>(interface: ControlInterface.description)
        handlers.registerShort(Remind.self) { store, p in
            runs.withLockedValue { $0.append(OffPool.isCurrent) }
            let (reminder, _) = try store.addReminder(text: p.text, dueAt: Date(timeIntervalSince1970: 1_900_000_000), contactID: nil)
            return Remind.Reply(reminder: reminder.info, timeZone: "UTC")
        }
        let writer = VarlinkReplyWriter(oneway: true) { _ in }
        func remind(_ text: String) async throws {
            let call = VarlinkCall(method: Remind.qualifiedName, parameters: ["at": .string("x"), "text": .string(text)])
            try await handlers["Remind"]!.run(store, call, writer)
        }
        // Given a free writer: one run, in place
        try await remind("free")
        #expect(runs.withLockedValue { $0 } == [false])

        // Given another write holding the writer until the call has gone to a store thread
        runs.withLockedValue { $0 = [] }
        let holding = DispatchSemaphore(value: 0)
        let holder = Task.detached {
            try store.writer.write { _ in
                holding.signal()
                while runs.withLockedValue({ $0.count }) < 2 { Thread.sleep(forTimeInterval: 0.01) }
            }
        }
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { holding.wait(); continuation.resume() }
        }
        try await remind("busy")
        try await holder.value
        // Then it was refused in place and ran again on a store thread, written once
        #expect(runs.withLockedValue { $0 } == [false, true])
        #expect(try store.upcoming(limit: 10).map(\.text) == ["free", "busy"])
    }
}
