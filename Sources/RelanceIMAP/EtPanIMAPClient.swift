import CEtPan
import Foundation
import NIOConcurrencyHelpers
import RelanceCore

/// An IMAP session through libetpan (mailimap): blocking, so it belongs to the one thread
/// that calls `open`; only `interrupt` may come from elsewhere. TLS always, with the
/// certificate verified in `CEtPan/shim.h` before the password is sent.
public final class EtPanIMAPClient: IMAPClient, @unchecked Sendable {  // `session` is used by one thread; `interrupt` is thread-safe
    /// Seconds any one read or write may take outside IDLE before the session is
    /// considered broken.
    public static let networkTimeout = 60
    /// TCP keepalive on the connection: a server gone without a word (no FIN, no RST: a
    /// NAT that forgot it, a laptop that changed networks) is noticed after 60 s of
    /// silence and 3 unanswered probes 10 s apart, about 90 s, instead of at the next
    /// IDLE renewal (28 minutes). Sent data unacknowledged as long also ends it
    /// (TCP_USER_TIMEOUT).
    public static let keepalive: (idle: Int32, interval: Int32, count: Int32) = {
        #if DEBUG
        // Debug builds only, for Tests/e2e (a vanished server noticed in seconds):
        // RELANCE_TEST_IMAP_KEEPALIVE="idle,interval,count". Release builds have no such switch.
        if let text = ProcessInfo.processInfo.environment["RELANCE_TEST_IMAP_KEEPALIVE"] {
            let values = text.split(separator: ",").compactMap { Int32($0) }
            if values.count == 3, values.allSatisfy({ $0 > 0 }) { return (values[0], values[1], values[2]) }
        }
        #endif
        return (60, 10, 3)
    }()

    private var session: UnsafeMutablePointer<relance_imap>?
    /// Set by `interrupt` (shutdown) for good: a session opened later starts woken.
    private let interrupted = NIOLockedValueBox(false)
    /// In IDLE, left by an interrupt: `close` sends DONE before LOGOUT.
    private var idling = false
    /// A call failed: the connection is not trusted for a LOGOUT, `close` just drops it.
    private var broken = false
    private let lock = NIOLock()

    public init() {}

    deinit { close() }

    public func open(_ endpoint: IMAPEndpoint, password: String) throws(IMAPClientError) {
        close()
        guard let made = relance_imap_new(Self.networkTimeout) else { throw .connection("out of memory") }
        relance_imap_set_keepalive(made, Self.keepalive.idle, Self.keepalive.interval, Self.keepalive.count)
        lock.withLock { session = made }
        if interrupted.withLockedValue({ $0 }) { relance_imap_wake(made) }
        try check(relance_imap_open(made, endpoint.host, endpoint.port, endpoint.security == .startTLS ? 1 : 0, endpoint.caFile))
        try check(relance_imap_login(made, endpoint.username, password))
    }

    public func supportsIdle() -> Bool {
        guard let session else { return false }
        return relance_imap_has_idle(session) != 0
    }

    public func examine(_ folder: String) throws(IMAPClientError) -> IMAPMailbox {
        let session = try connected()
        var validity: UInt32 = 0, next: UInt32 = 0, exists: UInt32 = 0
        try check(relance_imap_select(session, folder, &validity, &next, &exists))
        return IMAPMailbox(uidValidity: validity, uidNext: next, messageCount: exists)
    }

    public func messages(after uid: UInt32) throws(IMAPClientError) -> [IMAPListedMessage] {
        let session = try connected()
        var uids: UnsafeMutablePointer<UInt32>?
        var dates: UnsafeMutablePointer<Int64>?
        var count = 0
        try check(relance_imap_list_uids(session, uid, &uids, &dates, &count))
        defer { free(uids); free(dates) }
        guard let uids, let dates else { return [] }
        return (0..<count).map { IMAPListedMessage(uid: uids[$0], receivedAt: Date(timeIntervalSince1970: TimeInterval(dates[$0]))) }
    }

    public func fetch(uid: UInt32, body: Bool, limit: Int) throws(IMAPClientError) -> Data? {
        let session = try connected()
        var bytes: UnsafeMutablePointer<CChar>?
        var length = 0
        try check(relance_imap_fetch_part(session, uid, body ? 1 : 0, UInt32(clamping: limit), &bytes, &length))
        guard let bytes else { return nil }
        defer { free(bytes) }
        return Data(bytes: bytes, count: length)
    }

    public func waitForNews(idle: Bool, timeout: Duration) throws(IMAPClientError) -> IMAPWaitOutcome {
        let session = try connected()
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard idle else {
            return relance_imap_sleep(session, milliseconds) == Int32(RELANCE_IMAP_WAIT_WOKEN.rawValue) ? .interrupted : .timedOut
        }
        try check(relance_imap_idle_start(session))
        let outcome = relance_imap_idle_wait(session, milliseconds)
        if outcome == Int32(RELANCE_IMAP_WAIT_WOKEN.rawValue) {
            idling = true  // shutting down: `close` ends IDLE, then logs out
            return .interrupted
        }
        if outcome == Int32(RELANCE_IMAP_WAIT_ERROR.rawValue) {
            broken = true
            throw .connection(String(cString: errorText(session)))
        }
        // News or the renewal time: leave IDLE either way (the caller reads, then idles again).
        try check(relance_imap_idle_done(session))
        return outcome == Int32(RELANCE_IMAP_WAIT_DATA.rawValue) ? .news : .timedOut
    }

    public func noop() throws(IMAPClientError) {
        try check(relance_imap_noop(try connected()))
    }

    public func close() {
        // The session stays reachable (for `abort`) while DONE and LOGOUT are on the wire:
        // a server that stopped answering would hold them for the network timeout.
        guard let current = lock.withLock({ session }) else { return }
        if broken {
            relance_imap_drop(current)
        } else {
            if idling { _ = relance_imap_idle_done(current) }
            relance_imap_logout(current)
        }
        idling = false
        broken = false
        lock.withLock { session = nil }
        relance_imap_free(current)
    }

    public func interrupt() {
        interrupted.withLockedValue { $0 = true }
        lock.withLock { if let session { relance_imap_wake(session) } }
    }

    public func abort() {
        interrupt()
        lock.withLock { if let session { relance_imap_abort(session) } }
    }

    // MARK: -

    private func connected() throws(IMAPClientError) -> UnsafeMutablePointer<relance_imap> {
        guard let session else { throw .connection("not connected") }
        return session
    }

    private func errorText(_ session: UnsafeMutablePointer<relance_imap>) -> UnsafePointer<CChar> {
        UnsafeRawPointer(session).advanced(by: MemoryLayout<relance_imap>.offset(of: \relance_imap.error)!)
            .assumingMemoryBound(to: CChar.self)
    }

    private func check(_ result: Int32) throws(IMAPClientError) {
        guard result != Int32(RELANCE_IMAP_OK.rawValue), let session else { return }
        broken = true
        let message = String(cString: errorText(session))
        switch UInt32(result) {
        case RELANCE_IMAP_CONNECTION.rawValue: throw .connection(message)
        case RELANCE_IMAP_TLS.rawValue: throw .tls(message)
        case RELANCE_IMAP_AUTHENTICATION.rawValue: throw .authentication(message)
        case RELANCE_IMAP_FOLDER.rawValue: throw .folder(message)
        default: throw .protocolError(message)
        }
    }
}
