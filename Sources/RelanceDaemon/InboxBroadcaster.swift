import Foundation
import NIOConcurrencyHelpers
import RelanceCore

/// Hands every newly fired inbox item to the `Watch` subscribers.
public final class InboxBroadcaster: Sendable {
    private let subscribers = NIOLockedValueBox<[UUID: AsyncStream<InboxItem>.Continuation]>([:])

    public init() {}

    /// A stream of items fired from now on; it ends when the consuming task is cancelled.
    public func subscribe() -> AsyncStream<InboxItem> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: InboxItem.self, bufferingPolicy: .bufferingNewest(10_000))
        continuation.onTermination = { [subscribers] _ in
            _ = subscribers.withLockedValue { $0.removeValue(forKey: id) }
        }
        subscribers.withLockedValue { $0[id] = continuation }
        return stream
    }

    public var subscriberCount: Int { subscribers.withLockedValue { $0.count } }

    public func publish(_ items: [InboxItem]) {
        guard !items.isEmpty else { return }
        let continuations = subscribers.withLockedValue { Array($0.values) }
        for continuation in continuations {
            for item in items { continuation.yield(item) }
        }
    }

    /// Ends every stream (shutdown).
    public func finish() {
        let continuations = subscribers.withLockedValue { Array($0.values) }
        continuations.forEach { $0.finish() }
    }
}
