import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private `dbus-daemon` for one test, with a config of our own: no service
/// directories, so nothing gets D-Bus-activated behind the test's back (a desktop's own
/// notification daemon, say). Killed by its PID.
final class PrivateSessionBus: @unchecked Sendable {
    let address: String
    let pid: Int32
    private let directory: TemporaryDirectory
    private let process: TestProcess

    private init(address: String, pid: Int32, directory: TemporaryDirectory, process: TestProcess) {
        self.address = address
        self.pid = pid
        self.directory = directory
        self.process = process
    }

    static func start() async throws -> PrivateSessionBus {
        let directory = try TemporaryDirectory()
        let config = try directory.write("session.conf", """
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:dir=\(directory.path)</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """)
        // In the foreground (--nofork), as our own child: with --fork, Foundation's
        // Process never sees the forking parent exit (the daemon inherits the descriptor
        // Process watches for the child's end) and waitUntilExit() hangs.
        let process = try TestProcess("/usr/bin/dbus-daemon", ["--config-file=\(config)", "--nofork",
                                                               "--print-address=1", "--print-pid=1"])
        guard let addressLine = await process.line(timeout: 10, where: { $0.hasPrefix("unix:") }) else {
            process.stop()
            directory.remove()
            throw TestFailure("dbus-daemon did not print its address: \(process.errorOutput)")
        }
        return PrivateSessionBus(address: addressLine.line, pid: process.pid, directory: directory, process: process)
    }

    /// SIGTERM to our daemon (by PID), then wait until it is gone.
    func stop() {
        process.stop()
        directory.remove()
    }
}

/// `Tests/channels/notification_server.py` on a bus, run with Debian's python3
/// (python3-dbus + GLib).
final class NotificationTestServer: @unchecked Sendable {
    let process: TestProcess

    private init(process: TestProcess) { self.process = process }

    /// Starts the server and waits until it owns org.freedesktop.Notifications.
    static func start(bus: PrivateSessionBus, capabilities: [String] = ["actions", "body"]) async throws -> NotificationTestServer {
        let process = try TestProcess("/usr/bin/python3", [TestPaths.helper("notification_server.py"),
                                                           "--address", bus.address,
                                                           "--capabilities", capabilities.joined(separator: ",")])
        guard await process.line(timeout: 15, where: { $0.contains("\"ready\"") }) != nil else {
            let stderr = process.errorOutput
            process.stop()
            throw TestFailure("notification_server.py did not start: \(stderr)")
        }
        return NotificationTestServer(process: process)
    }

    /// The `index`-th event of kind `event` (0-based), as JSON, waiting up to `timeout`.
    func event(_ event: String, number index: Int = 0, timeout: TimeInterval = 5) async throws -> [String: Any] {
        var from = 0, seen = 0
        while true {
            guard let found = await process.line(from: from, timeout: timeout, where: { $0.contains("\"event\": \"\(event)\"") }) else {
                throw TestFailure("no '\(event)' event #\(index) from the notification server; it printed \(process.output)")
            }
            if seen == index {
                return try JSONSerialization.jsonObject(with: Data(found.line.utf8)) as! [String: Any]
            }
            seen += 1
            from = found.index + 1
        }
    }

    /// Makes the server emit `ActionInvoked(id, key)` to the client that asked for `id`.
    func invokeAction(id: UInt32, key: String) { process.send("action \(id) \(key)") }

    /// Makes the server emit `NotificationClosed(id, reason)`.
    func close(id: UInt32, reason: UInt32) { process.send("close \(id) \(reason)") }

    func stop() { process.stop() }
}
