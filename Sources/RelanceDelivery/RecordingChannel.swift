import NIOConcurrencyHelpers

/// The in-memory twin of a delivery channel: records what it was asked to deliver and
/// can be told to fail, so delivery logic (retries, back-off, inbox outcomes) is tested
/// without a bus or a mail server.
public final class RecordingChannel: DeliveryChannel {
    private struct State {
        var delivered: [ReminderNotification] = []
        var attempts = 0
        var failuresLeft = 0
        var failure: ChannelError
        var health: ChannelHealth = .available
        var withdrawn: [DeliveryReceipt] = []
    }

    /// The name it reports (configurable so one test can stand in for several channels).
    public let name: String
    private let state: NIOLockedValueBox<State>

    /// A channel named `name` that succeeds until told otherwise.
    public init(name: String = "recording") {
        self.name = name
        state = NIOLockedValueBox(State(failure: ChannelError(.deliveryFailed, channel: name, "injected failure")))
    }

    /// Successful deliveries, in order.
    public var deliveries: [ReminderNotification] { state.withLockedValue { $0.delivered } }

    /// Every `deliver` call, failed ones included.
    public var attempts: Int { state.withLockedValue { $0.attempts } }

    /// Makes the next `count` deliveries throw `error` (default: a ``ChannelError`` with
    /// code ``ChannelError/Code/deliveryFailed``); later ones succeed again.
    public func failNext(_ count: Int, with error: ChannelError? = nil) {
        state.withLockedValue {
            $0.failuresLeft = count
            if let error { $0.failure = error }
        }
    }

    /// Sets what ``probe()`` answers.
    public func setHealth(_ health: ChannelHealth) { state.withLockedValue { $0.health = health } }

    /// Records the notification, or throws while injected failures remain.
    public func deliver(_ notification: ReminderNotification) async throws -> DeliveryReceipt {
        let failure: ChannelError? = state.withLockedValue {
            $0.attempts += 1
            if $0.failuresLeft > 0 {
                $0.failuresLeft -= 1
                return $0.failure
            }
            $0.delivered.append(notification)
            return nil
        }
        if let failure { throw failure }
        return DeliveryReceipt(detail: "recorded inbox-\(notification.inboxItemID)")
    }

    /// Receipts withdrawn, in order.
    public var withdrawals: [DeliveryReceipt] { state.withLockedValue { $0.withdrawn } }

    /// Records the withdrawal.
    public func withdraw(_ receipt: DeliveryReceipt) async throws {
        state.withLockedValue { $0.withdrawn.append(receipt) }
    }

    /// What ``setHealth(_:)`` last set (available by default).
    public func probe() async -> ChannelHealth { state.withLockedValue { $0.health } }
}
