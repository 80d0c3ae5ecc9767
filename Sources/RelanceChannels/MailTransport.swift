/// Hands a rendered mail to something that delivers it: a local `sendmail` command or
/// an SMTP submission server.
public protocol MailTransport: Sendable {
    /// A short name for errors and logs ("sendmail", "smtp").
    var name: String { get }

    /// Sends `message` to its recipients and returns the transport's own note on it
    /// (the server's last reply, say), or throws a ``ChannelError``.
    func send(_ message: MailMessage) async throws -> String

    /// Whether sending can work right now (command present, server reachable…).
    func probe() async -> ChannelHealth
}
