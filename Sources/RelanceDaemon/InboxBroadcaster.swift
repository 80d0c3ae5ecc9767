import Foundation
import NIOConcurrencyHelpers
import RelanceCore

/// Hands every newly fired inbox item to the `Watch` subscribers.
///
/// Each subscriber buffers at most `bufferLimit` items: a watcher that stops reading
/// holds its socket's writes back, and then its buffer, never the daemon's memory. When
/// the buffer is full the oldest item is dropped; items carry a sequence number so the
/// watcher sees the gap and can say how many it lost (WatchOverflow).
public final class InboxBroadcaster: Sendable {
    /// One fired item and its place in the order of everything published (1, 2, 3…).
    public struct Published: Sendable {
        public var sequence: Int
        public var item: InboxItem
    }

    private struct State {
        var subscribers: [UUID: Subscription] = [:]
        /// The sequence number of the last item published; 0 before the first.
        var lastSequence = 0
        var finished = false
    }

    private let state = NIOLockedValueBox(State())
    private let bufferLimit: Int

    /// - Parameter bufferLimit: items held per subscriber that is not keeping up.
    public init(bufferLimit: Int = 1_000) {
        self.bufferLimit = bufferLimit
    }

    /// The items fired from now on, and the sequence number of the last item before
    /// them; it ends when the broadcaster finishes, the consuming task is cancelled, or
    /// the consumer calls `finish()` (it must, when it stops reading for another reason).
    public func subscribe() -> (after: Int, items: Subscription) {
        // Weakly: the broadcaster holds its subscriptions, a subscription must not hold it.
        let subscription = Subscription(bufferLimit: bufferLimit) { [weak self] id in
            _ = self?.state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        }
        let after = state.withLockedValue { state in
            if state.finished { subscription.finish() } else { state.subscribers[subscription.id] = subscription }
            return state.lastSequence
        }
        return (after, subscription)
    }

    /// The sequence number of the last item published.
    public var lastSequence: Int { state.withLockedValue { $0.lastSequence } }

    public var subscriberCount: Int { state.withLockedValue { $0.subscribers.count } }

    public func publish(_ items: [InboxItem]) {
        guard !items.isEmpty else { return }
        // Numbered and handed over under the lock, so every subscriber sees one order.
        state.withLockedValue { state in
            let published = items.map { item in
                state.lastSequence += 1
                return Published(sequence: state.lastSequence, item: item)
            }
            for subscription in state.subscribers.values { subscription.append(published) }
        }
    }

    /// Ends every subscription (shutdown).
    public func finish() {
        let subscriptions = state.withLockedValue { state in
            state.finished = true
            return Array(state.subscribers.values)
        }
        subscriptions.forEach { $0.finish() }
    }
}

extension InboxBroadcaster {
    /// One subscriber's bounded buffer. `nextBatch()` takes everything buffered at once, so
    /// a burst of 1 000 items goes out in one socket write (issue #15), not 1 000.
    public final class Subscription: AsyncSequence, Sendable {
        public typealias Element = Published

        private struct State {
            var buffer: [Published] = []
            var waiter: CheckedContinuation<[Published]?, Never>?
            var finished = false
        }

        let id = UUID()
        private let bufferLimit: Int
        private let state = NIOLockedValueBox(State())
        private let onEnd: @Sendable (UUID) -> Void

        init(bufferLimit: Int, onEnd: @escaping @Sendable (UUID) -> Void) {
            self.bufferLimit = bufferLimit
            self.onEnd = onEnd
        }

        func append(_ items: [Published]) {
            let woken = state.withLockedValue { state -> (CheckedContinuation<[Published]?, Never>, [Published])? in
                guard !state.finished else { return nil }
                state.buffer += items
                // The oldest go first: the sequence numbers show the gap.
                if state.buffer.count > bufferLimit { state.buffer.removeFirst(state.buffer.count - bufferLimit) }
                return state.waiter.take().map { ($0, take(&state)) }
            }
            if let (waiter, batch) = woken { waiter.resume(returning: batch) }
        }

        /// Ends the subscription: the broadcaster forgets it and a waiting `nextBatch()` returns nil.
        public func finish() {
            let waiter = state.withLockedValue { state in
                state.finished = true
                return state.waiter.take()
            }
            waiter?.resume(returning: nil)
            onEnd(id)
        }

        /// Everything buffered, waiting for at least one item; nil once ended.
        public func nextBatch() async -> [Published]? {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready: [Published]?? = state.withLockedValue { state in
                        if !state.buffer.isEmpty { return .some(take(&state)) }
                        if state.finished || Task.isCancelled { return .some(nil) }
                        state.waiter = continuation
                        return .none
                    }
                    if let ready { continuation.resume(returning: ready) }
                }
            } onCancel: {
                finish()
            }
        }

        private func take(_ state: inout State) -> [Published] {
            defer { state.buffer = [] }
            return state.buffer
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let subscription: Subscription
            var pending: ArraySlice<Published> = []

            public mutating func next() async -> Published? {
                if pending.isEmpty, let batch = await subscription.nextBatch() { pending = batch[...] }
                return pending.popFirst()
            }
        }

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
    }
}
