/// What the daemon tells its service manager. `relanced`'s main wires systemd's
/// `sd_notify` here; the default does nothing, so the daemon runs anywhere.
public protocol DaemonLifecycle: Sendable {
    /// Store migrated, socket listening, scheduler armed.
    func ready()
    /// A reload began (`RELOADING=1`); `ready()` follows.
    func reloading()
    /// Shutdown began.
    func stopping()
    /// One line describing the state, kept current.
    func status(_ line: String)
}

/// A lifecycle that tells no one.
public struct SilentLifecycle: DaemonLifecycle {
    public init() {}
    public func ready() {}
    public func reloading() {}
    public func stopping() {}
    public func status(_ line: String) {}
}
