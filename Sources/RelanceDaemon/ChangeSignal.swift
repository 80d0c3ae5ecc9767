import NIOConcurrencyHelpers

/// "The store changed": fanned out to what keeps a view of it current (the status line,
/// the calendar file). Observers subscribe once, at wiring time.
public final class ChangeSignal: Sendable {
    private let observers = NIOLockedValueBox<[@Sendable () -> Void]>([])

    public init() {}

    /// Calls `observer` after every change from now on.
    public func subscribe(_ observer: @escaping @Sendable () -> Void) {
        observers.withLockedValue { $0.append(observer) }
    }

    /// Tells every observer.
    public func send() {
        for observer in observers.withLockedValue({ $0 }) { observer() }
    }
}
