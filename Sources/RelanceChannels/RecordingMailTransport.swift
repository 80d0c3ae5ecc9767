import NIOConcurrencyHelpers

/// The in-memory twin of a mail transport: keeps every message it is given, and can be
/// told to fail, so ``MailChannel`` and delivery logic are tested without a mail server.
public final class RecordingMailTransport: MailTransport {
    private struct State {
        var sent: [MailMessage] = []
        var failuresLeft = 0
        var failure: ChannelError
    }

    /// `"recording"`.
    public let name = "recording"
    private let state = NIOLockedValueBox(State(failure: ChannelError(.deliveryFailed, channel: "recording", "injected failure")))

    /// A transport that accepts everything until told otherwise.
    public init() {}

    /// Messages accepted so far, in order.
    public var sent: [MailMessage] { state.withLockedValue { $0.sent } }

    /// Makes the next `count` sends throw `error` (default: ``ChannelError/Code/deliveryFailed``).
    public func failNext(_ count: Int, with error: ChannelError? = nil) {
        state.withLockedValue {
            $0.failuresLeft = count
            if let error { $0.failure = error }
        }
    }

    /// Records `message`, or throws while injected failures remain.
    public func send(_ message: MailMessage) async throws -> String {
        let failure: ChannelError? = state.withLockedValue {
            if $0.failuresLeft > 0 {
                $0.failuresLeft -= 1
                return $0.failure
            }
            $0.sent.append(message)
            return nil
        }
        if let failure { throw failure }
        return "250 recorded"
    }

    /// Always available.
    public func probe() async -> ChannelHealth { .available }
}
