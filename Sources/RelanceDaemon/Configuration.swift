import Foundation
import RelanceCore
import RelanceTeamStore

/// Everything the daemon reads from its configuration file, with the defaults that
/// apply when a key is absent. Parsing lives in `ConfigurationLoader`.
public struct Configuration: Sendable, Equatable {
    /// SQLite database file; nil means the XDG default.
    public var databasePath: String?
    /// How many days the automatic snapshots (`snapshots/` beside the database) are kept
    /// (`[store] keep_snapshots_days`).
    public var keepSnapshotsDays = 14
    /// Team mode (`[store] url = "postgresql://…"`): the shared PostgreSQL database,
    /// instead of the SQLite file; nil for the personal store.
    public var teamStore: TeamStoreSettings?
    /// `[team.users]` on a team node: the local uids the control socket serves, each as
    /// the team user it names (`ada = 1000`). Read at start.
    public var teamUsers = TeamUsers()

    /// The team user a team node acts as for what it reads on its own (its watched Maildir,
    /// its followed vdir folders): the one `[desktop] user` names, else the team user its
    /// uid maps to (the same default as its screen's); nil: none.
    public func nodeUser(uid: UInt32) -> String? { channels.desktopUser ?? teamUsers.name(of: uid) }
    /// Control socket path; nil means the XDG default.
    public var socketPath: String?
    /// Control connections served at once (`[control] max_connections`); one more is
    /// refused with TooManyConnections.
    public var maximumConnections = 256
    /// Seconds a control connection may sit with no call in progress and no Watch before
    /// the daemon closes it (`[control] idle_timeout_seconds`).
    public var idleTimeoutSeconds = 300
    /// The polite-timing rules: zone, business calendar, delivery window, sequences,
    /// meeting and event reminders.
    public var rules: TimingRules
    /// Delivery channels: desktop, mail.
    public var channels: ChannelSettings
    /// Your name and one line about you, for drafted follow-ups (`[user] name`, `pitch`).
    public var userName: String?
    public var pitch: String?
    /// Your own address, the From of `draft --mail` (`[user] email`); nil: the first `[mail] to`.
    public var userEmail: String?
    /// The language drafted follow-ups are written in (`[user] language`, "en" or "fr").
    public var language: DraftLanguage = .english
    /// An iCalendar file kept up to date for calendar apps (`[export] calendar_file`).
    public var calendarFile: String?
    /// What a mail you sent to a contact with no open outreach does when ingested
    /// (`[mail_watch] sent`): log it as a new outreach, suggest it in the inbox, or nothing.
    public var sentMail: SentMailMode = .suggest
    /// Maildir folders watched for replies (`[mail_watch] inbox`) and for mail you sent
    /// (`[mail_watch] sent_folder`).
    public var watchedInbox: String?
    public var watchedSentFolder: String?
    /// vdir folders followed live and the one Relance publishes to (`[sync]`).
    public var sync = SyncSettings()
    /// An IMAP account read directly (`[mail_watch] imap_url`, …), for people without a
    /// local Maildir.
    public var imap: IMAPSettings?

    public init(databasePath: String? = nil, socketPath: String? = nil, rules: TimingRules? = nil,
                channels: ChannelSettings = ChannelSettings()) {
        self.databasePath = databasePath
        self.socketPath = socketPath
        self.rules = rules ?? TimingRules(userZone: ZoneName.iana(.current))
        self.channels = channels
    }

    /// The user's IANA time zone.
    public var timeZone: TimeZone { rules.userZone }

    /// The default follow-up sequence.
    public var followUp: FollowUpPolicy { rules.followUp }
}

/// `[mail_watch] sent`: "log", "suggest" or "off".
public enum SentMailMode: String, Sendable, Equatable, CaseIterable {
    case log, suggest, off
}

/// `[sync]`: vdir folders (one .ics or .vcf per item, as vdirsyncer keeps them) followed
/// live, and the one Relance writes its own meetings and events to (issue #12). Absolute
/// paths, no trailing slash, each folder at most once.
public struct SyncSettings: Sendable, Equatable {
    /// Calendar folders whose events Relance follows (`calendars`).
    public var calendars: [String] = []
    /// Address-book folders whose contacts Relance follows (`contacts`).
    public var contacts: [String] = []
    /// The calendar folder Relance publishes to (`publish`).
    public var publish: String?

    public init(calendars: [String] = [], contacts: [String] = [], publish: String? = nil) {
        self.calendars = calendars
        self.contacts = contacts
        self.publish = publish
    }

    /// Nothing to follow and nothing to publish.
    public var isEmpty: Bool { calendars.isEmpty && contacts.isEmpty && publish == nil }
}

/// `[mail_watch] imap_*`: one IMAP account whose Inbox (and Sent folder) relanced reads
/// itself, over TLS with the certificate verified.
public struct IMAPSettings: Sendable, Equatable {
    public var endpoint: IMAPEndpoint
    /// The file holding the password (its first line): `imap_password_file`, or
    /// `$CREDENTIALS_DIRECTORY/imap-password` (systemd `LoadCredential=`). Read at every
    /// connection, so a corrected file is picked up at the next attempt.
    public var passwordFile: String
    /// The folder replies arrive in (`imap_inbox`, "INBOX").
    public var inbox = "INBOX"
    /// The folder your sent mail is kept in (`imap_sent`), if it is to be read.
    public var sent: String?
    /// Without IDLE on the server: how often the folders are checked (`imap_recheck_seconds`).
    public var recheck: Duration = IMAPTiming.defaultRecheck

    public init(endpoint: IMAPEndpoint, passwordFile: String) {
        self.endpoint = endpoint
        self.passwordFile = passwordFile
    }
}
