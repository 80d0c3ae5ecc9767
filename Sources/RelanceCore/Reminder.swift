import Foundation

/// Why a reminder exists.
public enum ReminderKind: String, Sendable, Codable, CaseIterable {
    /// Follow up on an outreach that got no reply (one step of its sequence).
    case followUp = "follow_up"
    /// The last step: let it go; the outreach becomes *no reply*.
    case letGo = "let_go"
    /// Set by the user for an explicit time.
    case custom
    /// The day before a meeting: prepare your questions; confirm.
    case meetingPrep = "meeting_prep"
    /// Shortly before a meeting: leave for the place.
    case meetingLeave = "meeting_leave"
    /// After a meeting: send a thank-you note.
    case thankYou = "thank_you"
    /// Before an event: register / RSVP.
    case eventRSVP = "event_rsvp"
    /// Before an event (the day before, two hours before).
    case eventSoon = "event_soon"
    /// The morning after an event: log the people you met.
    case eventLogPeople = "event_log_people"
    /// Nothing has happened with a contact for their cadence.
    case keepInTouch = "keep_in_touch"

    /// Computed by a rule (re-planned when the rules change); custom reminders and
    /// snoozes are kept where the user put them.
    public var isComputed: Bool { self != .custom }
}

/// A reminder's life: pending until it fires (exactly once) or is cancelled. A step
/// of a rule whose next step was already due when it fired (after downtime, or for a
/// back-dated outreach) is `skipped`: recorded, never delivered.
public enum ReminderState: String, Sendable, Codable, CaseIterable {
    case pending, fired, cancelled, skipped
}

/// Something to tell the user at a given instant.
public struct Reminder: Sendable, Codable, Hashable, Identifiable {
    public var id: Int64
    public var kind: ReminderKind
    /// One line for a person ("Follow up with Ada Lovelace — …").
    public var text: String
    public var contactID: Int64?
    public var outreachID: Int64?
    /// When it is due by its rule (UTC).
    public var dueAt: Date
    /// When it fires: `dueAt`, or later when the delivery window defers it (UTC).
    public var fireAt: Date
    /// Why it is due when it is ("7 business days after Thu 12 Nov; moved to …").
    public var reason: String
    public var state: ReminderState
    /// When it fired, once it has.
    public var firedAt: Date?
    /// A snoozed inbox item this reminder brings back, instead of creating a new one.
    public var resurfacesInboxID: Int64?

    public init(id: Int64, kind: ReminderKind, text: String, contactID: Int64? = nil,
                outreachID: Int64? = nil, dueAt: Date, fireAt: Date? = nil, reason: String = "",
                state: ReminderState = .pending, firedAt: Date? = nil, resurfacesInboxID: Int64? = nil) {
        self.id = id; self.kind = kind; self.text = text; self.contactID = contactID
        self.outreachID = outreachID; self.dueAt = dueAt; self.fireAt = fireAt ?? dueAt; self.reason = reason
        self.state = state
        self.firedAt = firedAt; self.resurfacesInboxID = resurfacesInboxID
    }
}

extension ReminderKind {
    /// What a person calls it, for tables: never the internal name (`meeting_prep`).
    public var inWords: String {
        switch self {
        case .followUp: "follow-up"
        case .letGo: "let it go"
        case .custom: "reminder"
        case .meetingPrep: "meeting prep"
        case .meetingLeave: "leave for it"
        case .thankYou: "thank-you"
        case .eventRSVP: "RSVP"
        case .eventSoon: "event"
        case .eventLogPeople: "after event"
        case .keepInTouch: "keep in touch"
        }
    }

    /// The words for a kind as it travels in the protocol ("meeting_prep"); agenda
    /// entries that are not reminders ("meeting", "event") keep their own word.
    public static func words(for wire: String) -> String {
        ReminderKind(rawValue: wire)?.inWords ?? wire.replacingOccurrences(of: "_", with: " ")
    }
}
