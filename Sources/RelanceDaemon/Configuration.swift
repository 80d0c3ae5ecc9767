import Foundation
import RelanceCore

/// Everything the daemon reads from its configuration file, with the defaults that
/// apply when a key is absent. Parsing lives in `ConfigurationLoader`.
public struct Configuration: Sendable, Equatable {
    /// SQLite database file; nil means the XDG default.
    public var databasePath: String?
    /// Control socket path; nil means the XDG default.
    public var socketPath: String?
    /// The user's IANA time zone; rules in the user's wall clock use it.
    public var timeZone: TimeZone
    /// The follow-up policy applied when an outreach does not name its own.
    public var followUp: FollowUpPolicy

    public init(databasePath: String? = nil, socketPath: String? = nil,
                timeZone: TimeZone = .current, followUp: FollowUpPolicy = .standard) {
        self.databasePath = databasePath
        self.socketPath = socketPath
        self.timeZone = timeZone
        self.followUp = followUp
    }
}
