import Foundation
import RelanceCore

/// What a personal store holds that a team store can take (`relancectl migrate`, issue
/// #16): its contacts, its outreach and its pending reminders, read at one instant.
public struct PersonalStoreCopy: Sendable {
    /// The store's identity, stable for the file and its copies: its random Message-ID
    /// namespace (`bookkeeping`, schema v6). A team store records what it copied under it.
    public var identity: String
    public var contacts: [Contact]
    public var outreach: [Outreach]
    /// Pending reminders, by id.
    public var reminders: [PendingReminder]

    /// A pending reminder with its place in a follow-up sequence (nil for others).
    public struct PendingReminder: Sendable, Hashable {
        public var reminder: Reminder
        public var step: Int?
        /// True for a snooze (it brings an inbox item back rather than saying something new).
        public var isSnooze: Bool { reminder.resurfacesInboxID != nil }
    }
}

/// Why a file cannot be read as a personal store; nothing was read from it or written to
/// it. `description` names the file and says what to do.
public struct PersonalStoreCopyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case missing, unreadable, notYours, notSQLite, notARelanceStore, newerSchema, olderSchema
    }
    public var kind: Kind
    public var path: String
    public var description: String

    public init(_ kind: Kind, path: String, _ description: String) {
        self.kind = kind; self.path = path; self.description = description
    }
}
