import Foundation

/// Why a reminder exists.
public enum ReminderKind: String, Sendable, Codable, CaseIterable {
    /// Follow up on an outreach that got no reply.
    case followUp = "follow_up"
    /// Set by the user for an explicit time.
    case custom
}

/// A reminder's life: pending until it fires (exactly once) or is cancelled.
public enum ReminderState: String, Sendable, Codable, CaseIterable {
    case pending, fired, cancelled
}

/// Something to tell the user at a given instant.
public struct Reminder: Sendable, Codable, Hashable, Identifiable {
    public var id: Int64
    public var kind: ReminderKind
    /// One line for a person ("Follow up with Ada Lovelace — …").
    public var text: String
    public var contactID: Int64?
    public var outreachID: Int64?
    /// When it is due (UTC).
    public var dueAt: Date
    public var state: ReminderState
    /// When it fired, once it has.
    public var firedAt: Date?
    /// A snoozed inbox item this reminder brings back, instead of creating a new one.
    public var resurfacesInboxID: Int64?

    public init(id: Int64, kind: ReminderKind, text: String, contactID: Int64? = nil,
                outreachID: Int64? = nil, dueAt: Date, state: ReminderState = .pending,
                firedAt: Date? = nil, resurfacesInboxID: Int64? = nil) {
        self.id = id; self.kind = kind; self.text = text; self.contactID = contactID
        self.outreachID = outreachID; self.dueAt = dueAt; self.state = state
        self.firedAt = firedAt; self.resurfacesInboxID = resurfacesInboxID
    }
}
