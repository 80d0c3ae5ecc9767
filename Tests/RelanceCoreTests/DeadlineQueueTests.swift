import Foundation
import RelanceCore
import RelanceTestKit
import Testing

@Suite struct DeadlineQueueTests {
    @Test func firesInDueOrderAndOnlyWhatIsDue() {
        var queue = DeadlineQueue()
        queue.schedule(id: 2, due: instant("2026-12-01T10:00:00Z"))
        queue.schedule(id: 1, due: instant("2026-12-01T09:00:00Z"))
        queue.schedule(id: 3, due: instant("2026-12-01T11:00:00Z"))
        #expect(queue.nextDeadline() == instant("2026-12-01T09:00:00Z"))
        let due = queue.takeDue(asOf: instant("2026-12-01T10:00:00Z"))
        #expect(due.map(\.id) == [1, 2])
        #expect(queue.count == 1)
        #expect(queue.nextDeadline() == instant("2026-12-01T11:00:00Z"))
    }

    @Test func cancelledReminderNeverFires() {
        var queue = DeadlineQueue()
        queue.schedule(id: 1, due: instant("2026-12-01T09:00:00Z"))
        queue.schedule(id: 2, due: instant("2026-12-01T09:30:00Z"))
        queue.cancel(id: 1)
        #expect(queue.nextDeadline() == instant("2026-12-01T09:30:00Z"))
        #expect(queue.takeDue(asOf: instant("2026-12-02T00:00:00Z")).map(\.id) == [2])
        #expect(queue.nextDeadline() == nil)
    }

    @Test func reschedulingMovesTheDeadlineAndFiresOnce() {
        var queue = DeadlineQueue()
        queue.schedule(id: 1, due: instant("2026-12-01T09:00:00Z"))
        queue.schedule(id: 1, due: instant("2026-12-01T12:00:00Z"))
        #expect(queue.takeDue(asOf: instant("2026-12-01T10:00:00Z")).isEmpty)
        #expect(queue.takeDue(asOf: instant("2026-12-01T12:00:00Z")).map(\.id) == [1])
        #expect(queue.takeDue(asOf: instant("2026-12-09T00:00:00Z")).isEmpty)
    }

    @Test func bulkLoadEqualsIncrementalInserts() {
        let deadlines = (1...5000).map { (id: Int64($0), due: Date(timeIntervalSince1970: Double(($0 * 7919) % 5000))) }
        var bulk = DeadlineQueue(deadlines)
        var incremental = DeadlineQueue()
        for entry in deadlines { incremental.schedule(id: entry.id, due: entry.due) }
        let end = Date(timeIntervalSince1970: 10_000)
        #expect(bulk.takeDue(asOf: end).map(\.id) == incremental.takeDue(asOf: end).map(\.id))
    }

    @Test func manyCancellationsCompactWithoutLosingLiveEntries() {
        var queue = DeadlineQueue()
        for id in 1...10_000 { queue.schedule(id: Int64(id), due: Date(timeIntervalSince1970: Double(id))) }
        for id in 1...9_990 { queue.cancel(id: Int64(id)) }
        #expect(queue.count == 10)
        #expect(queue.takeDue(asOf: Date(timeIntervalSince1970: 20_000)).map(\.id) == Array(9_991...10_000).map(Int64.init))
    }
}
