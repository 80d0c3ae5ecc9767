import Foundation
import NIOConcurrencyHelpers
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command to completion with bytes on its standard input, a deadline, and its
/// output captured. Blocking: call it from ``BlockingWork``.
///
/// The standard streams are socket pairs rather than pipes, so writing to a child
/// that exited early fails with `EPIPE` (`send(…, MSG_NOSIGNAL)`) instead of raising
/// SIGPIPE in the daemon; every descriptor we make is close-on-exec, so a command started
/// at the same moment by another thread cannot inherit our ends and hold them open.
enum ChildProcess {
    enum Outcome: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        case cancelled
    }

    struct Result {
        var outcome: Outcome
        var stdout: String
        var stderr: String
    }

    /// Grace between SIGTERM and SIGKILL when the deadline passes (seconds).
    static let killGrace: Double = 2

    static func run(path: String, arguments: [String], input bytes: [UInt8], timeout: Duration,
                    outputLimit: Int, cancellation: CancellationFlag) throws -> Result {
        // The parent keeps `.parent` of each pair (writer, readers); the child gets `.child`.
        var pairs: [(parent: Int32, child: Int32)] = []
        do {
            for _ in 0..<3 { pairs.append(try makeSocketPair()) }
        } catch {
            for pair in pairs { close(pair.parent); close(pair.child) }
            throw error
        }
        let (input, output, errors) = (pairs[0], pairs[1], pairs[2])
        let pid: pid_t
        do {
            pid = try spawn(path: path, arguments: arguments, stdin: input.child, stdout: output.child, stderr: errors.child)
        } catch {
            for pair in pairs { close(pair.parent); close(pair.child) }
            throw error
        }
        // The child has its copies; ours must go, or the readers would never see EOF.
        for pair in pairs { close(pair.child) }

        // waitpid blocks, so it gets a thread of its own; the deadline is kept here.
        let exited = DispatchSemaphore(value: 0)
        let waitStatus = NIOLockedValueBox<Int32?>(nil)
        BlockingWork.detach {
            var status: Int32 = 0
            var r: pid_t
            repeat { r = waitpid(pid, &status, 0) } while r < 0 && errno == EINTR
            waitStatus.withLockedValue { $0 = r == pid ? status : nil }
            exited.signal()
        }

        let io = DispatchGroup()
        let stdoutBox = NIOLockedValueBox<[UInt8]>([]), stderrBox = NIOLockedValueBox<[UInt8]>([])
        func inBackground(_ body: @escaping @Sendable () -> Void) {
            io.enter()
            BlockingWork.detach { body(); io.leave() }
        }
        inBackground {
            // A child that stops reading gets killed at the deadline, which ends this write.
            writeAll(bytes, to: input.parent)
            close(input.parent)
        }
        inBackground {
            let bytes = readAll(output.parent, limit: outputLimit)
            stdoutBox.withLockedValue { $0 = bytes }
            close(output.parent)
        }
        inBackground {
            let bytes = readAll(errors.parent, limit: outputLimit)
            stderrBox.withLockedValue { $0 = bytes }
            close(errors.parent)
        }

        // The child leads its own process group: stopping it stops whatever it started.
        cancellation.onCancel { kill(-pid, SIGTERM) }
        var outcome: Outcome?
        if exited.wait(timeout: .now() + timeout.timeInterval) == .timedOut {
            outcome = .timedOut
            kill(-pid, SIGTERM)
            if exited.wait(timeout: .now() + killGrace) == .timedOut {
                kill(-pid, SIGKILL)
                exited.wait()
            }
        }
        cancellation.onCancel(nil)
        if outcome == nil, cancellation.isCancelled { outcome = .cancelled }
        // Output is complete once the child is gone, unless it left a grandchild holding
        // the pipes: don't wait for that one.
        _ = io.wait(timeout: .now() + 1)

        if outcome == nil {
            guard let status = waitStatus.withLockedValue({ $0 }) else {
                throw ChannelError(.deliveryFailed, channel: "sendmail", "lost track of '\(path)' (pid \(pid)): someone else reaped it")
            }
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (macros).
            let signal = status & 0x7F
            outcome = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        }
        return Result(outcome: outcome!,
                      stdout: String(decoding: stdoutBox.withLockedValue { $0 }, as: UTF8.self),
                      stderr: String(decoding: stderrBox.withLockedValue { $0 }, as: UTF8.self))
    }

    /// A connected, close-on-exec socket pair. Used for all three standard streams:
    /// Glibc's Swift overlay has no `pipe2`, and `pipe` + `fcntl(FD_CLOEXEC)` leaves a
    /// window in which a concurrent spawn inherits the descriptors.
    private static func makeSocketPair() throws -> (parent: Int32, child: Int32) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw ChannelError(.deliveryFailed, channel: "sendmail", "cannot create a socket pair for the command: \(errnoText())")
        }
        return (fds[0], fds[1])
    }

    /// `posix_spawn` rather than Foundation's `Process`, for three reasons found the
    /// hard way (swift-corelibs-foundation, Swift 6.3): a child started from a Dispatch
    /// worker thread inherits that thread's blocked signals (under the test runner every
    /// child had SIGTERM blocked, so it could not be stopped); `Process` notices the exit
    /// only once every process that inherited its bookkeeping descriptor is gone (`sh -c
    /// 'sleep 3 &'` "runs" 3 s, so a sendmail that leaves a delivery process behind would
    /// look hung); and we want the child in a process group of its own, so that a timeout
    /// stops its helpers too.
    private static func spawn(path: String, arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0, 1, 2 clears close-on-exec on the copies, and only on those.
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        // Signals the daemon ignores (SIGPIPE) would stay ignored in the child otherwise.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for arg in argv { free(arg) } }
        var pid: pid_t = 0
        let r = posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard r == 0 else {
            throw ChannelError(.configuration, channel: "sendmail", "cannot start '\(path)': \(String(cString: strerror(r)))")
        }
        return pid
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = send(fd, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE/ECONNRESET: the child exited or closed its input.
                }
                offset += n
            }
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Reads to EOF, keeping the first `limit` bytes (the rest is drained and dropped, so
    /// a chatty child never blocks on a full pipe).
    private static func readAll(_ fd: Int32, limit: Int) -> [UInt8] {
        var kept: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return kept }
            if kept.count < limit { kept += chunk[0..<min(n, limit - kept.count)] }
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension Duration {
    /// The duration in seconds, for Dispatch deadlines.
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
