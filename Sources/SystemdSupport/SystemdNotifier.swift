import CSystemd
import Foundation

/// Tells the service manager how the daemon is doing (`sd_notify(3)`). Without
/// `NOTIFY_SOCKET` (not started by systemd) every call is a no-op.
public enum SystemdNotifier {
    /// True when a service manager listens (`NOTIFY_SOCKET` is set).
    public static var isSupervised: Bool { ProcessInfo.processInfo.environment["NOTIFY_SOCKET"] != nil }

    /// Sends newline-separated assignments such as `READY=1\nSTATUS=…`.
    public static func notify(_ state: String) {
        _ = sd_notify(0, state)
    }

    /// `READY=1` with a status line.
    public static func ready(status: String) { notify("READY=1\nSTATUS=\(oneLine(status))") }

    /// `RELOADING=1` plus `MONOTONIC_USEC`, which systemd ≥ 253 requires and older ones ignore.
    public static func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let usec = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        notify("RELOADING=1\nMONOTONIC_USEC=\(usec)")
    }

    public static func stopping() { notify("STOPPING=1") }

    public static func status(_ line: String) { notify("STATUS=\(oneLine(line))") }

    public static func watchdogPing() { notify("WATCHDOG=1") }

    /// The ping interval: half of `WatchdogSec=` (`sd_watchdog_enabled(3)`), or nil
    /// when the watchdog is off.
    public static func watchdogPingInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec / 2))
    }

    private static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\n", with: " ")
    }
}
