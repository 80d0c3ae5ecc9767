import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore

/// Follows one IMAP folder on a thread of its own (libetpan's mailimap is blocking: never
/// on an event loop nor on the Dispatch pool, whose 1 Hz monitor an idle daemon must not
/// start). Connects, reads what came since the folder's mark (kept in the store), then
/// waits in IDLE — blocked in one poll(2), no timer but the IDLE renewal every 28 minutes —
/// and reads each new message through `ingest`, the write path of `relancectl ingest` and
/// of the Maildir watcher. Any failure closes the session and retries after a back-off
/// (1 s doubling to 5 min, `IMAPBackoff`); `MailSourceHealth` and the journal say why.
final class IMAPFolderWatcher: @unchecked Sendable {  // the loop's state lives on its thread; `stopping` is locked
    /// A message that cannot be read as mail (no header): skipped, never retried.
    struct Unreadable: Error { var reason: String }

    /// The password file cannot be read, or is empty: nothing is sent to the server.
    struct PasswordUnavailable: Error, CustomStringConvertible {
        var reason: String
        var description: String { "password: \(reason)" }
    }

    let name: String
    private let settings: IMAPSettings
    private let folder: String
    private let sent: Bool
    private let client: any IMAPClient
    private let store: any IMAPMarkStore
    private let health: MailSourceHealth
    private let logger: Logger
    private let now: @Sendable () -> Date
    private let ingest: @Sendable (_ message: String, _ sent: Bool) throws -> Void
    private let stopping = NIOLockedValueBox(false)
    /// When a stop was first asked for: the moment of politeness counts from it.
    private let stopRequestedAt = NIOLockedValueBox<Date?>(nil)
    /// Wakes a back-off wait early at shutdown.
    private let pause = NSCondition()
    /// Signalled when the thread has ended.
    private let ended = NSCondition()
    private var hasEnded = false
    private var account: String { settings.endpoint.display }

    init(settings: IMAPSettings, folder: String, sent: Bool, client: any IMAPClient, store: any IMAPMarkStore,
         health: MailSourceHealth, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
         ingest: @escaping @Sendable (_ message: String, _ sent: Bool) throws -> Void) {
        self.settings = settings
        self.folder = folder
        self.sent = sent
        self.client = client
        self.store = store
        self.health = health
        self.logger = logger
        self.now = now
        self.ingest = ingest
        self.name = "\(settings.endpoint.display) \(folder)"
    }

    /// Starts the session thread.
    func start() {
        health.update(name) { $0.state = .connecting }
        let threadName = String("imap \(folder)".utf8.prefix(15)) ?? "imap"
        let thread = Thread { [self] in
            // Named from inside: a new thread otherwise keeps its creator's name (a NIO
            // event loop's, here), which hides it in /proc and in debuggers.
            // (pthread_setname_np is not in Glibc's Swift module: the kernel's own file.)
            let comm = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
            if comm >= 0 { _ = threadName.withCString { write(comm, $0, strlen($0)) }; close(comm) }
            Self.blockSIGPIPE()
            run()
            ended.lock(); hasEnded = true; ended.broadcast(); ended.unlock()
        }
        thread.start()
    }

    /// Ends the session: interrupts a wait, and waits up to `limit` for the thread. A
    /// thread still busy after `politeness` (a command, or the LOGOUT, waiting on a server
    /// that stopped answering) has its connection cut: it does not wait out libetpan's
    /// network timeout.
    func stop(waitingUpTo limit: TimeInterval = 5, politeness: TimeInterval = 2) {
        requestStop()
        let asked = stopRequestedAt.withLockedValue { $0 } ?? Date()
        if !waitForEnd(until: asked.addingTimeInterval(politeness)) {
            logger.info("mail source \(name): the server does not answer; closing the connection")
            client.abort()
            if !waitForEnd(until: Date().addingTimeInterval(max(0, limit - politeness))) {
                logger.warning("mail source \(name): its thread did not end within \(Int(limit)) s of the stop; left behind")
            }
        }
    }

    /// Asks the session to end (interrupts a wait) without waiting: every folder is asked
    /// first, so their moments of politeness run together.
    func requestStop() {
        stopRequestedAt.withLockedValue { if $0 == nil { $0 = Date() } }
        pause.lock()
        stopping.withLockedValue { $0 = true }
        pause.broadcast()
        pause.unlock()
        client.interrupt()
    }

    private func waitForEnd(until deadline: Date) -> Bool {
        ended.lock()
        defer { ended.unlock() }
        while !hasEnded && ended.wait(until: deadline) {}
        return hasEnded
    }

    private var isStopping: Bool { stopping.withLockedValue { $0 } }

    // MARK: On the session thread

    private func run() {
        var backoff = IMAPBackoff()
        while !isStopping {
            do {
                health.update(name) { $0.state = .connecting; $0.nextAttemptAt = nil }
                try session(backoff: &backoff)
            } catch {
                client.close()
                if isStopping { break }
                let delay = backoff.fail()
                let retry = now().addingTimeInterval(TimeInterval(delay.components.seconds))
                let reason = "\(error)"
                health.update(name) { entry in
                    entry.state = .failing; entry.detail = reason; entry.nextAttemptAt = retry
                }
                var metadata = MessageID.mailSourceFailed.metadata
                metadata["channel"] = "imap"
                logger.error("mail source \(name): \(reason); next attempt in \(delay.components.seconds) s", metadata: metadata)
                // `stopping` is set under `pause` too: a stop between the check above and
                // this wait is not missed.
                let until = Date().addingTimeInterval(TimeInterval(delay.components.seconds))
                pause.lock()
                while !isStopping && pause.wait(until: until) {}
                pause.unlock()
            }
        }
        client.close()
    }

    /// One connection, until it fails or the daemon stops.
    private func session(backoff: inout IMAPBackoff) throws {
        let password = try readPassword()
        try client.open(settings.endpoint, password: password)
        let idle = client.supportsIdle()
        let mailbox = try client.examine(folder)
        var mark = try catchUp(mailbox)
        backoff.succeed()
        let how = idle ? "IDLE" : "checked every \(settings.recheck.components.seconds) s (the server has no IDLE)"
        health.update(name) { entry in
            entry.state = .watching; entry.detail = how; entry.nextAttemptAt = nil; entry.lastReadAt = self.now()
        }
        logger.info("mail source \(name): watching (\(how))")
        while !isStopping {
            let outcome = try client.waitForNews(idle: idle, timeout: idle ? IMAPTiming.idleRenewal : settings.recheck)
            if outcome == .interrupted { return }
            if !idle { try client.noop() }
            mark = try read(client.messages(after: mark.lastUID), mark: mark)
            health.update(name) { $0.lastReadAt = self.now() }
        }
    }

    private func readPassword() throws -> String {
        guard let data = FileManager.default.contents(atPath: settings.passwordFile) else {
            throw PasswordUnavailable(reason: "cannot read the password file \(settings.passwordFile) (imap_password_file)")
        }
        let password = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard !password.isEmpty else { throw PasswordUnavailable(reason: "the password file \(settings.passwordFile) is empty") }
        return password
    }

    /// Reads what came since the folder's mark (per `IMAPFolderPlan`), and returns the
    /// mark after it.
    private func catchUp(_ mailbox: IMAPMailbox) throws -> IMAPFolderMark {
        let stored = try store.imapFolderMark(account: account, folder: folder)
        switch IMAPFolderPlan.plan(stored: stored, mailbox: mailbox, now: now()) {
        case .startFresh(var mark):
            if mailbox.uidNext == 0 { mark.lastUID = try client.messages(after: 0).map(\.uid).max() ?? 0 }
            try store.setIMAPFolderMark(account: account, folder: folder, mark)
            logger.info("mail source \(name): first watch; messages from now on are read")
            return mark
        case .readAfter(let after):
            let listed = IMAPFolderPlan.newMessages(try client.messages(after: after), after: after)
            if !listed.isEmpty { logger.info("mail source \(name): reading \(listed.count) message(s) that came meanwhile") }
            return try read(listed, mark: stored!)
        case .reread(let since, var mark):
            let listed = try client.messages(after: 0)
            let (toRead, start) = IMAPFolderPlan.rereadStart(listed, since: since)
            mark.lastUID = start
            try store.setIMAPFolderMark(account: account, folder: folder, mark)
            logger.warning("mail source \(name): the folder was renumbered (UIDVALIDITY \(stored!.uidValidity) → \(mark.uidValidity)); reading its \(toRead.count) message(s) since \(since) again (messages read before change nothing)")
            return try read(toRead, mark: mark)
        }
    }

    /// Hands each message over in UID order, moving the mark after each one: stopped
    /// half-way, the next session resumes at the first message not handed over.
    private func read(_ listed: [IMAPListedMessage], mark: IMAPFolderMark) throws -> IMAPFolderMark {
        var mark = mark
        for message in IMAPFolderPlan.newMessages(listed, after: mark.lastUID) {
            if isStopping { break }
            if let text = try fetchMessage(message.uid) {
                do {
                    try ingest(text, sent)
                } catch let unreadable as Unreadable {
                    logger.warning("mail source \(name): message UID \(message.uid) skipped: \(unreadable.reason)")
                }
            }
            try store.advanceIMAPFolderMark(account: account, folder: folder, uidValidity: mark.uidValidity, to: message.uid)
            mark.lastUID = message.uid
        }
        return mark
    }

    /// The header section and, when the meaning rules need it, the start of the text
    /// (never more than `IMAPFetchScope.readLimit` in all); nil when the message is gone.
    private func fetchMessage(_ uid: UInt32) throws -> String? {
        guard let header = try client.fetch(uid: uid, body: false, limit: MailHeaders.maximumHeaderBytes) else { return nil }
        var text = String(decoding: header, as: UTF8.self)
        if !text.hasSuffix("\r\n\r\n") && !text.hasSuffix("\n\n") { text += "\r\n" }
        let headers = MailHeaders(parsing: text)
        guard IMAPFetchScope.needsBody(headers, sent: sent) else { return text }
        let room = IMAPFetchScope.readLimit - header.count
        guard room > 0, let body = try client.fetch(uid: uid, body: true, limit: room) else { return text }
        return text + String(decoding: body, as: UTF8.self)
    }

    /// A write to a connection the server closed raises SIGPIPE, whose default action
    /// ends the process: blocked on this thread, the write fails with EPIPE instead
    /// (GnuTLS and libetpan write without MSG_NOSIGNAL).
    private static func blockSIGPIPE() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
