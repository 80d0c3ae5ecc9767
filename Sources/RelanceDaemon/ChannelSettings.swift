import Foundation
import RelanceCore

/// The delivery channels as configured (`[desktop]`, `[mail]`); `DeliveryService`
/// builds the channels from them.
public struct ChannelSettings: Sendable, Equatable {
    /// Desktop notifications on the session bus; nil means the default: on for the
    /// user service, off for the system service (a headless host has no session bus).
    public var desktopSetting: Bool?
    /// On a team node, whose screen the desktop is (`[desktop] user`); nil: the team user
    /// the node's own uid is (see `screenUser`), if any.
    public var desktopUser: String?
    public var mail: MailSettings?
    /// Set by the daemon: running as the system service.
    public var systemMode = false

    public init(desktop: Bool? = nil, mail: MailSettings? = nil) {
        self.desktopSetting = desktop
        self.mail = mail
    }

    /// Whether the desktop channel is on.
    public var desktop: Bool { desktopSetting ?? !systemMode }

    /// The team user whose reminders this node's desktop shows (besides the team's own):
    /// the one `[desktop] user` names, else the one the node runs as; nobody's without a
    /// desktop.
    public func screenUser(teamUsers: TeamUsers, uid: UInt32) -> String? {
        desktop ? desktopUser ?? teamUsers.name(of: uid) : nil
    }

    /// The channels that get one delivery job per fired reminder.
    public var perReminderChannels: [String] {
        var names: [String] = []
        if desktop { names.append("desktop") }
        if let mail, mail.mode != .digest { names.append("mail") }
        return names
    }
}

/// `[mail]`: how and when mail goes out.
public struct MailSettings: Sendable, Equatable {
    public enum Transport: Sendable, Equatable {
        /// A sendmail-compatible command, run with an argument vector.
        case sendmail(path: String, arguments: [String])
        /// SMTP submission (libcurl): `smtp://` with STARTTLS required, or `smtps://`.
        case smtp(url: String, username: String?, passwordFile: String?, caFile: String?)
    }

    /// each: one mail per reminder; digest: one a day; both.
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        case each, digest, both
    }

    public var transport: Transport
    public var from: String
    public var to: [String]
    public var mode: Mode
    /// When the daily digest goes out, in the user's zone.
    public var digestTime: LocalTimeOfDay
    /// The longest one send may take (a server that accepts and stalls).
    public var timeout: Duration = .seconds(60)

    public init(transport: Transport, from: String, to: [String], mode: Mode = .each,
                digestTime: LocalTimeOfDay = LocalTimeOfDay(hour: 8)) {
        self.transport = transport
        self.from = from
        self.to = to
        self.mode = mode
        self.digestTime = digestTime
    }
}
