import Foundation

/// Where an inbox item stands: unread → read → done, or snoozed / dismissed.
public enum InboxState: String, Sendable, Codable, CaseIterable {
    case unread, read, done, snoozed, dismissed
}

/// A fired reminder, kept until the user deals with it.
public struct InboxItem: Sendable, Codable, Hashable, Identifiable {
    public var id: Int64
    /// The reminder that first created it (unique: one item per reminder).
    public var reminderID: Int64
    public var kind: ReminderKind
    public var text: String
    public var contactID: Int64?
    public var outreachID: Int64?
    /// When it came due (UTC).
    public var dueAt: Date
    /// When it landed in the inbox (UTC); later than `dueAt` when the daemon was down.
    public var firedAt: Date
    /// Fired at start-up for a due time that passed while the daemon was down.
    public var late: Bool
    public var state: InboxState
    /// While snoozed: when it comes back.
    public var snoozedUntil: Date?
    /// On a team store: the team user whose item it is (its reminder's owner); nil: the
    /// team's, everyone's (and always nil on a personal store).
    public var owner: String?

    public init(id: Int64, reminderID: Int64, kind: ReminderKind, text: String,
                contactID: Int64? = nil, outreachID: Int64? = nil, dueAt: Date, firedAt: Date,
                late: Bool, state: InboxState = .unread, snoozedUntil: Date? = nil, owner: String? = nil) {
        self.id = id; self.reminderID = reminderID; self.kind = kind; self.text = text
        self.contactID = contactID; self.outreachID = outreachID; self.dueAt = dueAt
        self.firedAt = firedAt; self.late = late; self.state = state; self.snoozedUntil = snoozedUntil
        self.owner = owner
    }
}
