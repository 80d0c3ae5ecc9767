/// What the daemon tells its service manager. `relanced`'s main wires systemd's
/// `sd_notify` here; the default does nothing, so the daemon runs anywhere.
public protocol DaemonLifecycle: Sendable {
    /// Store migrated, socket listening, scheduler armed; also the end of a reload.
    func ready(status: String)
    /// A reload began (`RELOADING=1`); `ready(status:)` follows.
    func reloading()
    /// Shutdown began.
    func stopping()
    /// One line describing the state, kept current.
    func status(_ line: String)
    /// How often `watchdog()` must be called, or nil when no watchdog is armed.
    var watchdogInterval: Duration? { get }
    /// "Still alive", sent from the scheduler's queue so a wedged scheduler stops it.
    func watchdog()
}

/// A lifecycle that tells no one.
public struct SilentLifecycle: DaemonLifecycle {
    public init() {}
    public func ready(status: String) {}
    public func reloading() {}
    public func stopping() {}
    public func status(_ line: String) {}
    public var watchdogInterval: Duration? { nil }
    public func watchdog() {}
}
