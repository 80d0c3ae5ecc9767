import Foundation

/// Where an IMAP account is and how to reach it safely (`[mail_watch] imap_url`, …).
public struct IMAPEndpoint: Sendable, Equatable {
    /// How TLS starts: at once (`imaps://`, port 993) or after STARTTLS (`imap://`, port
    /// 143). There is no third, clear-text, choice.
    public enum Security: String, Sendable, Equatable {
        case implicitTLS = "imaps"
        case startTLS = "starttls"
    }
    public var host: String
    public var port: UInt16
    public var security: Security
    public var username: String
    /// A PEM file of the certificate authority (or the self-signed certificate) to trust
    /// instead of the system's; the certificate is verified either way.
    public var caFile: String?

    public init(host: String, port: UInt16, security: Security, username: String, caFile: String? = nil) {
        self.host = host; self.port = port; self.security = security; self.username = username; self.caFile = caFile
    }

    /// `imaps://user@host:port` (no password: there never is one in a URL here).
    public var display: String {
        "\(security == .implicitTLS ? "imaps" : "imap")://\(username)@\(host):\(port)"
    }
}

/// One folder as SELECTed (EXAMINEd): what the bookkeeping needs.
public struct IMAPMailbox: Sendable, Equatable {
    public var uidValidity: UInt32
    /// The UID the next message will get; 0 when the server did not say.
    public var uidNext: UInt32
    public var messageCount: UInt32
    public init(uidValidity: UInt32, uidNext: UInt32, messageCount: UInt32) {
        self.uidValidity = uidValidity; self.uidNext = uidNext; self.messageCount = messageCount
    }
}

/// A message as listed: its UID and INTERNALDATE (when the server received it).
public struct IMAPListedMessage: Sendable, Equatable {
    public var uid: UInt32
    public var receivedAt: Date
    public init(uid: UInt32, receivedAt: Date) { self.uid = uid; self.receivedAt = receivedAt }
}

/// Why an IMAP call failed; what to do about it is `IMAPBackoff`'s and the watcher's.
public enum IMAPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection, or it broke: try again later.
    case connection(String)
    /// TLS failed or the certificate is not trusted: the configuration (ca_file, host) or
    /// the server must change.
    case tls(String)
    /// The server refused the user name or password.
    case authentication(String)
    /// The folder does not exist.
    case folder(String)
    /// Anything else the server answered that we did not expect.
    case protocolError(String)

    public var description: String {
        switch self {
        case .connection(let reason): "connection: \(reason)"
        case .tls(let reason): "TLS: \(reason)"
        case .authentication(let reason): "login refused: \(reason)"
        case .folder(let reason): "folder: \(reason)"
        case .protocolError(let reason): "IMAP: \(reason)"
        }
    }
}

/// What ended a wait for news.
public enum IMAPWaitOutcome: Sendable, Equatable {
    /// The server said something (a new message, an expunge, a flag change).
    case news
    /// The time given passed.
    case timedOut
    /// `interrupt()` was called (shutdown).
    case interrupted
}

/// One blocking IMAP session (libetpan in production): every method but `interrupt`
/// is called from the one thread that owns the session.
public protocol IMAPClient: AnyObject, Sendable {
    /// Connects, starts TLS and verifies the certificate, then logs in.
    func open(_ endpoint: IMAPEndpoint, password: String) throws(IMAPClientError)
    /// Whether the server offers IDLE (RFC 2177).
    func supportsIdle() -> Bool
    /// EXAMINEs `folder` (read-only: flags are never changed).
    func examine(_ folder: String) throws(IMAPClientError) -> IMAPMailbox
    /// The messages with a UID above `uid` (the server may list the last one even when
    /// it is not: callers filter, see `IMAPFolderPlan.newMessages`).
    func messages(after uid: UInt32) throws(IMAPClientError) -> [IMAPListedMessage]
    /// The first `limit` bytes of a message's header section (`body` false) or of its
    /// text after the header (`body` true), leaving it unread; nil when it is gone.
    func fetch(uid: UInt32, body: Bool, limit: Int) throws(IMAPClientError) -> Data?
    /// Waits for news in IDLE (or, with `idle` false, only for `interrupt` or the time).
    func waitForNews(idle: Bool, timeout: Duration) throws(IMAPClientError) -> IMAPWaitOutcome
    /// Asks the server for news without IDLE.
    func noop() throws(IMAPClientError)
    /// Logs out and closes, best effort.
    func close()
    /// Ends a `waitForNews` under way, or the next one: from any thread.
    func interrupt()
    /// Cuts the connection, from any thread: a command waiting on a server that stopped
    /// answering fails at once instead of after the network timeout (shutdown, after
    /// `interrupt` was given a moment to end things politely).
    func abort()
}
