import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A helper process started by a test: arguments as a vector, stdin kept open for
/// commands (closing it tells our Python helpers to exit), stdout collected as lines.
/// Stopped by its PID only, never by name.
///
/// Started with `posix_spawn`, not Foundation's `Process`: under the test runner,
/// `Process` children inherit the Dispatch worker's blocked signals (SIGTERM would not
/// stop them), and `Process` waits for grandchildren that inherited its descriptors.
final class TestProcess: @unchecked Sendable {
    let pid: pid_t
    private let stdinFD: Int32
    private let condition = NSCondition()
    private var lines: [String] = []   // guarded by `condition`
    private var stderrText = ""         // guarded by `condition`
    private var stdoutClosed = false    // guarded by `condition`
    private var exitStatus: Int32?      // guarded by `condition`

    init(_ executable: String, _ arguments: [String]) throws {
        // Close-on-exec socket pairs: helpers spawned at the same moment by other tests
        // must not inherit our ends (a held stdin would never reach EOF).
        func pair() throws -> (Int32, Int32) {
            var fds: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
                throw TestFailure("socketpair: \(String(cString: strerror(errno)))")
            }
            return (fds[0], fds[1])
        }
        let input = try pair(), output = try pair(), errors = try pair()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input.1, 0)
        posix_spawn_file_actions_adddup2(&actions, output.1, 1)
        posix_spawn_file_actions_adddup2(&actions, errors.1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(input.1); close(output.1); close(errors.1)
        guard r == 0 else {
            close(input.0); close(output.0); close(errors.0)
            throw TestFailure("cannot start \(executable): \(String(cString: strerror(r)))")
        }
        self.pid = pid
        stdinFD = input.0

        let stdoutFD = output.0, stderrFD = errors.0
        Thread.detachNewThread { [self] in
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(stdoutFD, &chunk, chunk.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                buffer += chunk[0..<n]
                while let newline = buffer.firstIndex(of: 0x0A) {
                    let line = String(decoding: buffer[..<newline], as: UTF8.self)
                    buffer.removeSubrange(...newline)
                    condition.lock(); lines.append(line); condition.broadcast(); condition.unlock()
                }
            }
            close(stdoutFD)
            condition.lock(); stdoutClosed = true; condition.broadcast(); condition.unlock()
        }
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(stderrFD, &chunk, chunk.count)
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                condition.lock(); stderrText += String(decoding: chunk[0..<n], as: UTF8.self); condition.unlock()
            }
            close(stderrFD)
        }
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(self.pid, &status, 0) < 0, errno == EINTR {}
            condition.lock(); exitStatus = status; condition.broadcast(); condition.unlock()
        }
    }

    /// Everything printed so far.
    var output: [String] {
        condition.lock(); defer { condition.unlock() }
        return lines
    }

    var errorOutput: String {
        condition.lock(); defer { condition.unlock() }
        return stderrText
    }

    /// Waits (blocking the calling thread) for the first line from index `start` that
    /// satisfies `predicate`.
    func waitForLine(from start: Int = 0, timeout: TimeInterval = 10, where predicate: (String) -> Bool) -> (index: Int, line: String)? {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock(); defer { condition.unlock() }
        var checked = start
        while true {
            while checked < lines.count {
                if predicate(lines[checked]) { return (checked, lines[checked]) }
                checked += 1
            }
            if stdoutClosed || !condition.wait(until: deadline) { return nil }
        }
    }

    /// The same, without holding a Swift concurrency thread while it waits.
    func line(from start: Int = 0, timeout: TimeInterval = 10,
              where predicate: @escaping @Sendable (String) -> Bool) async -> (index: Int, line: String)? {
        await withCheckedContinuation { continuation in
            // A thread of its own: blocked Dispatch workers share libdispatch's pool with
            // Swift's cooperative threads, and stall every other test.
            Thread.detachNewThread {
                continuation.resume(returning: self.waitForLine(from: start, timeout: timeout, where: predicate))
            }
        }
    }

    /// Writes one command line to the process's stdin.
    func send(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(stdinFD, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Closes stdin, sends SIGTERM to our PID, and SIGKILL if it is still there after 3 s.
    func stop() {
        condition.lock()
        let running = exitStatus == nil
        condition.unlock()
        guard running else { return }
        shutdown(stdinFD, Int32(SHUT_RDWR))
        close(stdinFD)
        kill(pid, SIGTERM)
        // Escalate on a thread of our own, never holding a Swift concurrency thread: a
        // test that waits here starves every other test of the two-core pool.
        Thread.detachNewThread { [self] in
            condition.lock()
            let deadline = Date().addingTimeInterval(3)
            while exitStatus == nil, condition.wait(until: deadline) {}
            let exited = exitStatus != nil
            condition.unlock()
            if !exited { kill(pid, SIGKILL) }
        }
    }
}

/// Paths of the repository's test helpers.
enum TestPaths {
    /// `Tests/channels/` (Python helpers), found from this source file.
    static let helpers = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("channels")

    static func helper(_ name: String) -> String { helpers.appendingPathComponent(name).path }

    /// The first `name` on PATH (the pyenv `python3` that has aiosmtpd).
    static func onPath(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("relance-channels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { url.appendingPathComponent(name).path }

    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
