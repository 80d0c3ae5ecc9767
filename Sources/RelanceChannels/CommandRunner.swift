import CMemFD
import Foundation
import RelanceDelivery
import Subprocess
import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command to completion with bytes on its standard input, a deadline, and its
/// output captured, through swift-subprocess.
///
/// Nothing here holds a thread: swift-subprocess spawns on one shared worker thread,
/// learns of the exit from a pidfd watched by one shared epoll thread, and moves the
/// output through non-blocking pipes watched by another (three threads for the whole
/// process, started on first use; `Subprocess+Linux.swift`, `AsyncIO+Linux.swift` and
/// `Thread.swift` at 1.0.2). The only wait on the calling task's thread is the final
/// `waitid` that reaps a child the pidfd already reported gone.
///
/// What swift-subprocess does for us, checked in its sources (1.0.2):
/// - the child gets an empty signal mask and every signal at its default disposition
///   (`_subprocess_spawnattr_reset_signals`, `process_shims.c`), so a child started from
///   a worker thread with blocked signals, or by a daemon that ignores SIGPIPE, can
///   still be stopped and behaves as from a shell;
/// - descriptors other than 0, 1 and 2 are closed in the child (`closefrom`), and ours
///   are close-on-exec (`pipe2`);
/// - once the child exits, pending reads are drained and ended
///   (`AsyncIO.cancelAsyncIO`, called from `Configuration.run`), so a grandchild that
///   inherited stdout and keeps it open cannot make us wait for EOF.
enum CommandRunner {
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

    /// Grace between SIGTERM and SIGKILL when the deadline passes or the task is
    /// cancelled (seconds).
    static let killGrace: Duration = .seconds(2)

    /// Runs `path arguments…` (an argument vector, never a shell) with `input` on its
    /// standard input. Stops it at `timeout`, or when the calling task is cancelled:
    /// SIGTERM to its process group, SIGKILL after ``killGrace``.
    /// - Returns: how it ended and the first `outputLimit` bytes of each output stream
    ///   (the rest is read and dropped, so a chatty command never blocks on a full pipe).
    static func run(path: String, arguments: [String], input: [UInt8], timeout: Duration,
                    outputLimit: Int) async throws -> Result {
        let stdin = try memoryFile(holding: input)
        var options = PlatformOptions()
        // The child leads a process group of its own: stopping it stops whatever it started.
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: killGrace)]
        let configuration = Configuration(executable: .path(FilePath(path)), arguments: Arguments(arguments),
                                          platformOptions: options)

        @Sendable func runToEnd() async throws -> ExecutionResult<Captured, SequenceOutput, SequenceOutput> {
            try await Subprocess.run(
                configuration,
                // A file, not a pipe: nothing for us to write while it runs, and no SIGPIPE
                // when a command exits without reading its input.
                input: .fileDescriptor(stdin, closeAfterSpawningProcess: true),
                output: .sequence, error: .sequence
            ) { execution in
                async let stdout = keep(outputLimit, of: execution.standardOutput)
                async let stderr = keep(outputLimit, of: execution.standardError)
                return try await Captured(stdout: stdout, stderr: stderr)
            }
        }
        enum Event: Sendable {
            case ended(Swift.Result<ExecutionResult<Captured, SequenceOutput, SequenceOutput>, any Error>)
            case deadline
            case interrupted
        }
        let (deadlinePassed, ended) = await withTaskGroup(of: Event.self) { group in
            group.addTask {
                do {
                    return .ended(.success(try await runToEnd()))
                } catch {
                    return .ended(.failure(error))
                }
            }
            group.addTask {
                do {
                    try await QuietSleep.sleep(for: timeout)
                    return .deadline
                } catch {
                    return .interrupted
                }
            }
            // Whichever comes first; cancelling the run stops the command (the teardown
            // sequence above) and the group then waits until it is gone.
            var deadlinePassed = false
            var ended: Swift.Result<ExecutionResult<Captured, SequenceOutput, SequenceOutput>, any Error>?
            while let event = await group.next() {
                switch event {
                case .ended(let result): ended = result
                case .deadline: deadlinePassed = true
                case .interrupted: break
                }
                group.cancelAll()
            }
            return (deadlinePassed, ended!)
        }

        let execution: ExecutionResult<Captured, SequenceOutput, SequenceOutput>
        switch ended {
        case .success(let result):
            execution = result
        case .failure(let error as SubprocessError)
            where error.code == .spawnFailed || error.code == .executableNotFound:
            throw ChannelError(.configuration, channel: "sendmail", "cannot start '\(path)': \(error)")
        case .failure(let error):
            if deadlinePassed || Task.isCancelled {
                return Result(outcome: deadlinePassed ? .timedOut : .cancelled, stdout: "", stderr: "")
            }
            throw ChannelError(.deliveryFailed, channel: "sendmail", "running '\(path)' failed: \(error)")
        }
        let outcome: Outcome
        if deadlinePassed {
            outcome = .timedOut
        } else if Task.isCancelled {
            outcome = .cancelled
        } else {
            switch execution.terminationStatus {
            case .exited(let status): outcome = .exited(status)
            case .signaled(let signal): outcome = .signalled(signal)
            }
        }
        return Result(outcome: outcome,
                      stdout: String(decoding: execution.closureResult.stdout, as: UTF8.self),
                      stderr: String(decoding: execution.closureResult.stderr, as: UTF8.self))
    }

    /// Both output streams, each cut at the limit.
    struct Captured: Sendable {
        var stdout: [UInt8]
        var stderr: [UInt8]
    }

    /// Reads `output` to its end (EOF, or the child's exit), keeping the first `limit` bytes.
    private static func keep(_ limit: Int, of output: SubprocessOutputSequence) async throws -> [UInt8] {
        var kept: [UInt8] = []
        for try await buffer in output where kept.count < limit {
            buffer.withUnsafeBytes { kept += $0.prefix(limit - kept.count) }
        }
        return kept
    }

    /// An anonymous in-memory file (`memfd_create`) holding `bytes`, positioned at its start.
    private static func memoryFile(holding bytes: [UInt8]) throws -> FileDescriptor {
        let fd = relance_memfd_cloexec("relance-message")
        guard fd >= 0 else {
            throw ChannelError(.deliveryFailed, channel: "sendmail", "cannot hold the message for the command: \(String(cString: strerror(errno)))")
        }
        let file = FileDescriptor(rawValue: fd)
        do {
            _ = try file.writeAll(bytes)
            _ = try file.seek(offset: 0, from: FileDescriptor.SeekOrigin.start)
        } catch {
            try? file.close()
            throw ChannelError(.deliveryFailed, channel: "sendmail", "cannot hold the message for the command: \(error)")
        }
        return file
    }
}
