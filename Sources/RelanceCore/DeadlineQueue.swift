import Foundation
import HeapModule

/// The scheduler's state: every pending reminder's due time in one min-heap.
///
/// Pure value type, no timers: the shell asks `nextDeadline` to arm its single timer and
/// calls `takeDue(asOf:)` when it fires. Cancelling or rescheduling leaves the old heap
/// entry behind; `pending` is the truth and stale entries are skipped (and compacted
/// when they outnumber live ones), which keeps every operation O(log n).
public struct DeadlineQueue: Sendable {
    struct Entry: Comparable, Sendable {
        var due: Date
        var id: Int64
        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.due != rhs.due ? lhs.due < rhs.due : lhs.id < rhs.id
        }
    }

    private var heap = Heap<Entry>()
    private var pending: [Int64: Date] = [:]

    public init() {}

    /// Builds the queue from `(id, due)` pairs in one O(n) heapify.
    public init<S: Sequence>(_ deadlines: S) where S.Element == (id: Int64, due: Date) {
        var entries: [Entry] = []
        entries.reserveCapacity(deadlines.underestimatedCount)
        for (id, due) in deadlines {
            pending[id] = due
            entries.append(Entry(due: due, id: id))
        }
        heap = Heap(entries)
    }

    /// Number of pending reminders.
    public var count: Int { pending.count }

    /// The due time of a pending reminder.
    public func due(of id: Int64) -> Date? { pending[id] }

    /// Adds a reminder, or moves it if it is already pending.
    public mutating func schedule(id: Int64, due: Date) {
        // Already there at that time: a second heap entry would be taken twice.
        guard pending.updateValue(due, forKey: id) != due else { return }
        heap.insert(Entry(due: due, id: id))
    }

    /// Forgets a reminder (fired elsewhere or cancelled). Unknown ids are ignored.
    public mutating func cancel(id: Int64) {
        guard pending.removeValue(forKey: id) != nil else { return }
        compactIfMostlyStale()
    }

    /// The earliest due time, the instant the single timer must be armed for.
    public mutating func nextDeadline() -> Date? {
        dropStaleTop()
        return heap.min?.due
    }

    /// The id of the earliest pending reminder (call after `nextDeadline()`).
    public mutating func peekID() -> Int64? {
        dropStaleTop()
        return heap.min?.id
    }

    /// Removes and returns every reminder due at or before `now`, earliest first.
    public mutating func takeDue(asOf now: Date) -> [(id: Int64, due: Date)] {
        var due: [(id: Int64, due: Date)] = []
        while true {
            dropStaleTop()
            guard let top = heap.min, top.due <= now else { break }
            heap.removeMin()
            pending.removeValue(forKey: top.id)
            due.append((top.id, top.due))
        }
        return due
    }

    /// Pops entries whose id is no longer pending at that due time.
    private mutating func dropStaleTop() {
        while let top = heap.min, pending[top.id] != top.due {
            heap.removeMin()
        }
    }

    private mutating func compactIfMostlyStale() {
        guard heap.count > 1024, heap.count > 2 * pending.count else { return }
        heap = Heap(pending.map { Entry(due: $0.value, id: $0.key) })
    }
}
