import Foundation

/// How far one IMAP folder has been read, kept in the store across restarts: the
/// folder's UIDVALIDITY, the highest UID handed over, and since when it is watched.
public struct IMAPFolderMark: Sendable, Equatable {
    public var uidValidity: UInt32
    /// Every message with a UID up to this one was read (or predates the watch).
    public var lastUID: UInt32
    /// When relanced first watched this folder: a folder renumbered (UIDVALIDITY changed)
    /// is read again from here, never back through its history.
    public var watchedSince: Date
    public init(uidValidity: UInt32, lastUID: UInt32, watchedSince: Date) {
        self.uidValidity = uidValidity; self.lastUID = lastUID; self.watchedSince = watchedSince
    }
}

/// What to read after a folder is EXAMINEd: the pure rule behind "nothing read twice,
/// nothing missed" (RFC 3501 §2.3.1.1: UIDs only mean something with their UIDVALIDITY).
public enum IMAPFolderPlan: Sendable, Equatable {
    /// First time this folder is seen: read from now on (as the Maildir watcher does),
    /// recording this mark before anything else.
    case startFresh(IMAPFolderMark)
    /// Same numbering: read the messages above `after`.
    case readAfter(UInt32)
    /// The folder was renumbered: every UID we knew is meaningless. Read every message
    /// received since `since` again (the store's Message-ID check keeps it idempotent)
    /// and record `mark` (the new UIDVALIDITY, from UID 0) first.
    case reread(since: Date, mark: IMAPFolderMark)

    /// Margin before `watchedSince` for a re-read: INTERNALDATE is the server's clock, and
    /// a message delivered in the seconds before the first start may be dated just before.
    public static let rereadMargin: TimeInterval = 24 * 3600

    public static func plan(stored: IMAPFolderMark?, mailbox: IMAPMailbox, now: Date) -> IMAPFolderPlan {
        guard let stored else {
            // UIDNEXT - 1 is the last message there now; without UIDNEXT (rare), the
            // listing itself tells (`startFreshAfter`).
            let last = mailbox.uidNext > 0 ? mailbox.uidNext - 1 : 0
            return .startFresh(IMAPFolderMark(uidValidity: mailbox.uidValidity, lastUID: last, watchedSince: now))
        }
        guard stored.uidValidity == mailbox.uidValidity else {
            return .reread(since: stored.watchedSince.addingTimeInterval(-rereadMargin),
                           mark: IMAPFolderMark(uidValidity: mailbox.uidValidity, lastUID: 0, watchedSince: stored.watchedSince))
        }
        return .readAfter(stored.lastUID)
    }

    /// For a re-read: the messages received since `since`, in UID order, and the UID the
    /// new mark starts after (just below the first of them, or the last listed when none
    /// is that recent), so an interrupted re-read resumes without going further back.
    public static func rereadStart(_ listed: [IMAPListedMessage], since: Date) -> (read: [IMAPListedMessage], startAfter: UInt32) {
        let toRead = newMessages(listed, after: 0, since: since)
        if let first = toRead.first { return (toRead, first.uid - 1) }
        return ([], listed.map(\.uid).max() ?? 0)
    }

    /// The listed messages to read, in UID order: above `after` (`UID FETCH n:*` always
    /// lists the last message, even below n), received since `since` when given.
    public static func newMessages(_ listed: [IMAPListedMessage], after: UInt32, since: Date? = nil) -> [IMAPListedMessage] {
        listed.filter { message in message.uid > after && (since.map { message.receivedAt >= $0 } ?? true) }
            .sorted { $0.uid < $1.uid }
    }
}

/// How much of a message relanced fetches: the header section always (up to
/// `MailHeaders.maximumHeaderBytes`), the text after it only when the meaning rules read
/// it — an automatic answer (its return date), a bounce (the delivery report), a
/// multipart or calendar message (an invitation) — and never more than the Maildir path
/// reads (`readLimit` in all). A message you sent is read from its headers alone.
public enum IMAPFetchScope {
    /// The most of one message read, header and text together: the Maildir watcher's bound.
    public static let readLimit = 1 << 20

    public static func needsBody(_ headers: MailHeaders, sent: Bool) -> Bool {
        if sent { return false }
        if MailMeaning.of(headers) != .reply { return true }
        let type = (headers["content-type"] ?? "").lowercased()
        return type.hasPrefix("multipart/") || type.hasPrefix("text/calendar")
    }
}

/// The reconnect delays after failures: 1 s, doubling, capped at 5 minutes; a session
/// that got as far as reading the folder resets it. Pure: the watcher waits, this counts.
public struct IMAPBackoff: Sendable, Equatable {
    public static let first: Duration = .seconds(1)
    public static let cap: Duration = .seconds(300)
    public private(set) var failures = 0

    public init() {}

    /// Records a failure and returns how long to wait before the next attempt.
    public mutating func fail() -> Duration {
        failures += 1
        let exponent = min(failures - 1, 20)
        let seconds = min(Double(1 << exponent), Double(Self.cap.components.seconds))
        return .seconds(seconds)
    }

    /// A working session: the next failure starts again at `first`.
    public mutating func succeed() { failures = 0 }
}

/// How long a session waits before asking again.
public enum IMAPTiming {
    /// IDLE is renewed before the 29 minutes a server may wait before dropping an idle
    /// client (RFC 2177 §3: "at least every 29 minutes"). This is the ONE periodic wake-up
    /// of an idle IMAP session (one every 28 minutes).
    public static let idleRenewal: Duration = .seconds(28 * 60)
    /// Without IDLE on the server, how often the folder is checked (`[mail_watch]
    /// imap_recheck_seconds`, 60 … 3600).
    public static let defaultRecheck: Duration = .seconds(300)
    public static let recheckRange: ClosedRange<Int> = 60...3600
}
