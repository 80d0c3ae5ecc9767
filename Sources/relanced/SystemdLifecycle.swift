import RelanceDaemon
import SystemdSupport

/// The daemon's lifecycle reported to systemd through `sd_notify`.
struct SystemdLifecycle: DaemonLifecycle {
    func ready(status: String) { SystemdNotifier.ready(status: status) }
    func reloading() { SystemdNotifier.reloading() }
    func stopping() { SystemdNotifier.stopping() }
    func status(_ line: String) { SystemdNotifier.status(line) }
    var watchdogInterval: Duration? { SystemdNotifier.watchdogPingInterval() }
    func watchdog() { SystemdNotifier.watchdogPing() }
}
