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
        var subscribers: [UUID: AsyncStream<Published>.Continuation] = [:]
        /// The sequence number of the last item published; 0 before the first.
        var lastSequence = 0
    }

    private let state = NIOLockedValueBox(State())
    private let bufferLimit: Int

    /// - Parameter bufferLimit: items held per subscriber that is not keeping up.
    public init(bufferLimit: Int = 1_000) {
        self.bufferLimit = bufferLimit
    }

    /// A stream of items fired from now on, and the sequence number of the last item
    /// before them; the stream ends when the consuming task is cancelled.
    public func subscribe() -> (after: Int, items: AsyncStream<Published>) {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Published.self, bufferingPolicy: .bufferingNewest(bufferLimit))
        continuation.onTermination = { [state] _ in
            _ = state.withLockedValue { $0.subscribers.removeValue(forKey: id) }
        }
        let after = state.withLockedValue { state in
            state.subscribers[id] = continuation
            return state.lastSequence
        }
        return (after, stream)
    }

    /// The sequence number of the last item published.
    public var lastSequence: Int { state.withLockedValue { $0.lastSequence } }

    public var subscriberCount: Int { state.withLockedValue { $0.subscribers.count } }

    public func publish(_ items: [InboxItem]) {
        guard !items.isEmpty else { return }
        // Numbered and handed over under the lock, so every subscriber sees one order.
        state.withLockedValue { state in
            for item in items {
                state.lastSequence += 1
                let published = Published(sequence: state.lastSequence, item: item)
                for continuation in state.subscribers.values { continuation.yield(published) }
            }
        }
    }

    /// Ends every stream (shutdown).
    public func finish() {
        let continuations = state.withLockedValue { Array($0.subscribers.values) }
        continuations.forEach { $0.finish() }
    }
}
