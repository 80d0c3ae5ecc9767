import Foundation

/// Sends mail by running a sendmail-compatible command (`sendmail -t -i`, `msmtp -t`)
/// with the message on its standard input.
///
/// The command runs from an argument vector, never through a shell, so nothing in the
/// configuration or the message is ever interpreted as shell syntax. With `-t` the
/// command takes the recipients from the `To` header, which ``MailMessage`` guarantees
/// holds only the addresses it was given.
public struct SendmailTransport: MailTransport {
    /// The command's absolute path.
    public let path: String
    /// Its arguments (without the program name).
    public let arguments: [String]
    /// How long the command may run before it is stopped (SIGTERM, then SIGKILL after
    /// two seconds) and the send fails with ``ChannelError/Code/timedOut``.
    public let timeout: Duration

    /// How much of the command's output (each stream) is kept for messages (bytes).
    static let outputLimit = 16 * 1024

    /// A transport running `path arguments…`.
    public init(path: String = "/usr/sbin/sendmail", arguments: [String] = ["-t", "-i"],
                timeout: Duration = .seconds(60)) {
        self.path = path
        self.arguments = arguments
        self.timeout = timeout
    }

    /// `"sendmail"`.
    public var name: String { "sendmail" }

    /// The command line, for messages.
    private var commandLine: String { ([path] + arguments).joined(separator: " ") }

    /// Runs the command with the message (LF line ends, as local mail commands expect)
    /// on its standard input and checks its exit status.
    /// - Returns: the command's output, trimmed (often empty).
    public func send(_ message: MailMessage) async throws -> String {
        let input = message.rendered(lineEnding: .lf)
        let result = try await CommandRunner.run(path: path, arguments: arguments, input: input,
                                                 timeout: timeout, outputLimit: Self.outputLimit)
        let stderr = result.stderr.trimmingSpacesAndNewlines
        switch result.outcome {
        case .exited(0):
            return (result.stdout + stderr).trimmingSpacesAndNewlines
        case .exited(let status):
            throw ChannelError(.deliveryFailed, channel: "sendmail",
                               "'\(commandLine)' exited with status \(status)\(stderr.isEmpty ? "" : ": \(stderr)")")
        case .signalled(let signal):
            throw ChannelError(.deliveryFailed, channel: "sendmail",
                               "'\(commandLine)' was killed by signal \(signal)\(stderr.isEmpty ? "" : ": \(stderr)")")
        case .timedOut:
            throw ChannelError(.timedOut, channel: "sendmail",
                               "'\(commandLine)' did not finish within \(timeout) and was stopped\(stderr.isEmpty ? "" : "; it said: \(stderr)")")
        case .cancelled:
            throw ChannelError(.cancelled, channel: "sendmail", "'\(commandLine)' was stopped because the delivery was cancelled")
        }
    }

    /// Available when `path` is an executable file; nothing is run.
    public func probe() async -> ChannelHealth {
        FileManager.default.isExecutableFile(atPath: path)
            ? .available
            : .unavailable(reason: "\(path) is not an executable file (install a sendmail-compatible command or configure its path)")
    }
}

extension String {
    var trimmingSpacesAndNewlines: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
