/// Whether a channel can deliver right now, as shown by `Status`.
public enum ChannelHealth: Sendable, Hashable {
    /// Deliveries should succeed.
    case available
    /// Deliveries will fail until the reason goes away (no session bus, no notification
    /// server, sendmail missing, password file unreadable…).
    case unavailable(reason: String)

    /// True for ``available``.
    public var isAvailable: Bool {
        if case .available = self { return true }
        return false
    }
}
