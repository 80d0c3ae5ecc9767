import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
@testable import RelanceDaemon
import RelanceStore
import RelanceTestKit
import Testing
import VarlinkProtocol
import VarlinkTransport

/// A Watch that falls behind is told how many items it lost, never left with a silent
/// gap (issue "Hardened against load, faults and hostile peers").
@Suite struct WatchOverflowTests {
    func item(_ id: Int64) -> InboxItem {
        let due = Date(timeIntervalSince1970: 1_796_115_600)
        return InboxItem(id: id, reminderID: id, kind: .followUp, text: "item \(id)", dueAt: due, firedAt: due, late: false)
    }

    /// A control service on an empty in-memory store whose Watch hears `broadcaster`.
    func controlService(broadcasting broadcaster: InboxBroadcaster) throws -> ControlService {
        let clock = ManualClock("2026-12-01T09:00:00Z")
        let store = try AppDatabase.inMemory()
        let scheduler = Scheduler(store: store, time: clock, logger: Logger(label: "test")) { _ in }
        let configuration = LiveConfiguration(Configuration(rules: TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)))
        return ControlService(store: store, scheduler: scheduler, broadcaster: broadcaster,
                              configuration: configuration, clock: clock, databasePath: ":memory:",
                              logger: Logger(label: "test"), didChange: {})
    }

    @Test func aSubscriberBehindItsBufferSeesAGapInTheSequence() async {
        // Given a subscriber holding at most 2 items
        let broadcaster = InboxBroadcaster(bufferLimit: 2)
        let (after, items) = broadcaster.subscribe()
        // When 5 are published before it reads any
        broadcaster.publish((1...5).map(item))
        // Then it gets the newest 2, whose numbers show the 3 dropped
        var iterator = items.makeAsyncIterator()
        #expect(after == 0)
        #expect(await iterator.next()?.sequence == 4)
        #expect(await iterator.next()?.sequence == 5)
        #expect(broadcaster.lastSequence == 5)
    }

    @Test func aWatchThatFallsBehindEndsWithWatchOverflowCountingWhatItLost() async throws {
        // Given a Watch on a broadcaster holding at most 2 items per subscriber
        let broadcaster = InboxBroadcaster(bufferLimit: 2)
        let service = try controlService(broadcasting: broadcaster)
        // The watcher's first write waits until everything is published: a watcher that
        // is not reading. (Unheld, it can keep up with 5 items and rightly lose none.)
        let (opened, open) = AsyncStream.makeStream(of: Void.self)
        let written = NIOLockedValueBox<[UInt8]>([])
        let writer = VarlinkReplyWriter(oneway: false) { data in
            if written.withLockedValue({ $0.isEmpty }) { for await _ in opened { break } }
            written.withLockedValue { $0 += data }
        }
        let call = try VarlinkFraming.decodeCall(Array(#"{"method":"io.relance.Control.Watch","more":true}"#.utf8))
        let watch = Task {
            do { try await service.handle(call, replies: writer) } catch let error as VarlinkError { try await writer.send(VarlinkReply(error)) }
            return String(decoding: written.withLockedValue { $0 }, as: UTF8.self)
        }
        while broadcaster.subscriberCount == 0 { await Task.yield() }

        // When 5 items fire at once
        broadcaster.publish((1...5).map(item))
        open.yield()

        // Then the call ends with WatchOverflow, and what it delivered plus what it lost is 5
        let frames = try await watch.value.split(separator: "\0").map(String.init)
        let last = try #require(frames.last)
        let lost = try #require(last.firstMatch(of: /"lost":(\d+)/).map { Int($0.1)! })
        #expect(last.hasPrefix(#"{"error":"io.relance.Control.WatchOverflow""#))
        #expect(frames.dropLast().allSatisfy { $0.contains(#""continues":true"#) })
        #expect(frames.count - 1 + lost == 5)
        // and the ended call holds no subscription (nor its buffer) any more
        #expect(broadcaster.subscriberCount == 0)
    }

    @Test func aBurstReachesAWatchInOneWriteInOrder() async throws {
        // Given a Watch whose writes are recorded one by one
        let broadcaster = InboxBroadcaster()
        let service = try controlService(broadcasting: broadcaster)
        let writes = NIOLockedValueBox<[String]>([])
        let writer = VarlinkReplyWriter(oneway: false) { data in writes.withLockedValue { $0.append(String(decoding: data, as: UTF8.self)) } }
        let call = try VarlinkFraming.decodeCall(Array(#"{"method":"io.relance.Control.Watch","more":true}"#.utf8))
        let watch = Task { try await service.handle(call, replies: writer) }
        while broadcaster.subscriberCount == 0 { await Task.yield() }

        // When 300 items fire in one transaction
        broadcaster.publish((1...300).map(item))
        while writes.withLockedValue({ $0.isEmpty }) { await Task.yield() }
        watch.cancel()
        _ = await watch.result

        // Then they went out in one write, 300 continuing replies in their order
        let recorded = writes.withLockedValue { $0 }
        #expect(recorded.count == 1)
        let frames = try #require(recorded.first).split(separator: "\0")
        #expect(frames.count == 300)
        #expect(frames.allSatisfy { $0.contains(#""continues":true"#) })
        #expect(frames.enumerated().allSatisfy { $0.element.contains(#""text":"item \#($0.offset + 1)""#) })
    }
}
