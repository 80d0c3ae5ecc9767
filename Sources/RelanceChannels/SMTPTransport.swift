import CCurl
import Foundation
import NIOConcurrencyHelpers

/// Submits mail to an SMTP server through libcurl, always over TLS: `smtp://` with
/// STARTTLS required (curl's `CURLUSESSL_ALL`: the transfer fails rather than continue
/// in clear text) or `smtps://` (TLS from the first byte).
///
/// The password is never part of the configuration: it is read from a file at each send
/// (for a systemd unit, `$CREDENTIALS_DIRECTORY/smtp-password` via `LoadCredential=`),
/// so rotating it needs no reload and it never shows in `Status` or logs. Servers are
/// verified against the system trust store, or `caFile` (a private CA, or a test's
/// throwaway certificate); there is deliberately no switch to skip verification.
public struct SMTPTransport: MailTransport {
    /// How the connection is secured, from the URL scheme.
    public enum Security: String, Sendable, Hashable {
        /// `smtp://`: plain connect, then STARTTLS, which the server must offer.
        case startTLS = "smtp"
        /// `smtps://`: implicit TLS (usually port 465).
        case implicitTLS = "smtps"
    }

    /// How the connection is secured.
    public let security: Security
    /// The server's host name or address.
    public let host: String
    /// The server's port (default 587 for `smtp://`, 465 for `smtps://`).
    public let port: Int
    /// The user name for SMTP AUTH, or nil to send without authenticating.
    public let username: String?
    /// The file holding the password (one line; a final line break is ignored).
    public let passwordFile: String?
    /// A PEM file of CA certificates to trust instead of the system store.
    public let caFile: String?
    /// The longest time to set up the connection, TLS and login included.
    public let connectTimeout: Duration
    /// The longest time for a whole send; a server that accepts and then stalls fails
    /// with ``ChannelError/Code/timedOut`` when it runs out.
    public let timeout: Duration
    /// The name we give in EHLO.
    public let heloName: String

    /// A transport for `url` (`smtp://host[:port]` or `smtps://host[:port]`).
    /// - Throws: ``ChannelError`` (``ChannelError/Code/configuration``) for another
    ///   scheme, credentials or a path in the URL, a user name without password file or
    ///   the reverse, or a non-positive timeout.
    public init(url: String, username: String? = nil, passwordFile: String? = nil, caFile: String? = nil,
                connectTimeout: Duration = .seconds(15), timeout: Duration = .seconds(60),
                heloName: String = "localhost") throws {
        func bad(_ why: String) -> ChannelError {
            ChannelError(.configuration, channel: "smtp", "SMTP URL '\(url)': \(why)")
        }
        let all = [url, username ?? "", passwordFile ?? "", caFile ?? "", heloName]
        if all.contains(where: { $0.unicodeScalars.contains(where: MailAddress.isControl) }) {
            throw ChannelError(.configuration, channel: "smtp", "SMTP settings must not contain control characters")
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              let security = Security(rawValue: scheme) else {
            throw bad("use smtp://host:port (STARTTLS) or smtps://host:port (implicit TLS)")
        }
        guard let host = components.host, !host.isEmpty else { throw bad("it has no host") }
        guard components.user == nil, components.password == nil else {
            throw bad("put the user name in the configuration and the password in a password file, not in the URL")
        }
        guard components.path.isEmpty || components.path == "/", components.query == nil, components.fragment == nil else {
            throw bad("it must not have a path, query or fragment")
        }
        guard (username == nil) == (passwordFile == nil) else {
            throw ChannelError(.configuration, channel: "smtp", "SMTP AUTH needs both a user name and a password file (or neither)")
        }
        guard connectTimeout > .zero, timeout > .zero else {
            throw ChannelError(.configuration, channel: "smtp", "SMTP timeouts must be positive")
        }
        guard !heloName.isEmpty, heloName.unicodeScalars.allSatisfy({ $0.isASCII && (MailAddress.isAtext($0) || $0 == ".") }) else {
            throw ChannelError(.configuration, channel: "smtp", "'\(heloName)' cannot be an EHLO name (use this machine's host name)")
        }
        self.security = security
        self.host = host
        // Submission ports (RFC 6409, RFC 8314); curl alone would default smtp:// to 25.
        self.port = components.port ?? (security == .startTLS ? 587 : 465)
        self.username = username
        self.passwordFile = passwordFile
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.heloName = heloName
    }

    /// `"smtp"`.
    public var name: String { "smtp" }

    /// The server, as shown in messages: `smtp://mail.example.com:587`.
    public var serverURL: String {
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(security.rawValue)://\(shownHost):\(port)"
    }

    /// Connects, secures, logs in and submits `message` (CRLF line ends, byte for byte).
    /// - Returns: the server's last reply, e.g. `250 2.0.0 Ok: queued as 4F2A1`.
    public func send(_ message: MailMessage) async throws -> String {
        let transfer = try prepare()
        let bytes = message.rendered(lineEnding: .crlf)
        let from = message.from.address, recipients = message.recipients
        return try await BlockingWork.run { cancellation in
            try CurlSMTPSession.perform(transfer, upload: (from, recipients, bytes), cancellation: cancellation)
        }
    }

    /// Connects, secures and logs in without sending anything (libcurl's
    /// `CURLOPT_CONNECT_ONLY`), bounded by ``connectTimeout``: available only when a mail
    /// could be sent now.
    public func probe() async -> ChannelHealth {
        do {
            let transfer = try prepare()
            _ = try await BlockingWork.run { cancellation in
                try CurlSMTPSession.perform(transfer, upload: nil, cancellation: cancellation)
            }
            return .available
        } catch {
            return .unavailable(reason: String(describing: error))
        }
    }

    /// Everything a transfer needs, the password read from its file just now.
    private func prepare() throws -> CurlSMTPSession.Settings {
        var password: [UInt8]?
        if let passwordFile {
            guard let data = FileManager.default.contents(atPath: passwordFile) else {
                let reason = FileManager.default.fileExists(atPath: passwordFile) ? "it is not readable" : "it does not exist"
                throw ChannelError(.configuration, channel: "smtp",
                                   "cannot read the SMTP password file '\(passwordFile)': \(reason) (with systemd, LoadCredential=smtp-password:… puts it in $CREDENTIALS_DIRECTORY)")
            }
            var bytes = [UInt8](data)
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            password = bytes
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ChannelError(.configuration, channel: "smtp", "cannot read the CA file '\(caFile)'")
        }
        return CurlSMTPSession.Settings(
            // curl takes the URL path as the EHLO name.
            url: "\(serverURL)/\(heloName)", displayURL: serverURL, implicitTLS: security == .implicitTLS,
            username: username, password: password, caFile: caFile,
            connectTimeoutMilliseconds: Int(connectTimeout.timeInterval * 1000),
            timeoutMilliseconds: Int(timeout.timeInterval * 1000))
    }
}
