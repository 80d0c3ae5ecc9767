import Foundation
import RelanceCore

/// Why a store operation refused to change anything.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No contact with this id, or no contact whose name contains this text; close
    /// names, for "did you mean".
    case contactNotFound(query: String, suggestions: [String] = [])
    /// The text names several contacts; the candidates' names and ids.
    case ambiguousContact(query: String, candidates: [String])
    case outreachNotFound(id: Int64)
    case inboxItemNotFound(id: Int64)
    case meetingNotFound(id: Int64)
    /// A meeting with the same contact starts at the same instant (its id).
    case duplicateMeeting(id: Int64, startsAt: Date)
    case eventNotFound(id: Int64)
    /// The event has no occurrence starting at `at` (wall clock); `next` is its next one.
    case occurrenceNotFound(eventID: Int64, at: String, next: String?)
    case reminderNotFound(id: Int64)
    /// The reminder fired or was cancelled already.
    case reminderNotPending(id: Int64, state: String)
    /// The operation does not apply in the record's current state.
    case invalidState(what: String, reason: String)
    /// Another contact (`existing`: "Name (#id)") already has this e-mail address or
    /// profile URL.
    case duplicateContact(field: String, value: String, existing: String)
    /// The contact has outreach awaiting a reply (these ids).
    case openOutreach(contact: String, ids: [Int64])

    public var description: String {
        switch self {
        case .contactNotFound(let query, let suggestions):
            "no contact matches '\(query)'" + (suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: " or "))?")
        case .ambiguousContact(let query, let candidates):
            "'\(query)' matches several contacts: \(candidates.joined(separator: ", ")); use the id or more of the name"
        case .outreachNotFound(let id): "no outreach with id \(id)"
        case .inboxItemNotFound(let id): "no inbox item with id \(id)"
        case .meetingNotFound(let id): "no meeting with id \(id)"
        case .duplicateMeeting(let id, let startsAt):
            "meeting \(id) with the same contact starts at \(startsAt) already; add it with force to have both"
        case .eventNotFound(let id): "no event with id \(id)"
        case .occurrenceNotFound(let eventID, let at, let next):
            "event \(eventID) has no occurrence starting at \(at)" + (next.map { "; the next one starts at \($0)" } ?? "")
        case .reminderNotFound(let id): "no reminder with id \(id)"
        case .reminderNotPending(let id, let state): "reminder \(id) is \(state), not pending: nothing to change"
        case .invalidState(let what, let reason): "\(what): \(reason)"
        case .duplicateContact(let field, let value, let existing): "\(existing) already has \(field) '\(value)'"
        case .openOutreach(let contact, let ids):
            "\(contact) has outreach awaiting a reply (\(ids.map { "#\($0)" }.joined(separator: ", ")))"
        }
    }
}

// Refusals both stores give in the same words (the personal and the team one).
extension StoreError {
    /// A follow-up logged to an outreach that no longer awaits a reply.
    public static func nothingToFollowUp(outreachID: Int64, status: OutreachStatus) -> StoreError {
        .invalidState(what: "outreach", reason: "#\(outreachID) is \(status.words); nothing to follow up")
    }

    /// A withdrawal of an outreach that no longer awaits a reply.
    public static func cannotWithdraw(outreachID: Int64, status: OutreachStatus) -> StoreError {
        .invalidState(what: "outreach", reason: "#\(outreachID) is \(status.words); only an outreach awaiting a reply can be withdrawn")
    }

    /// A snooze of an item already dealt with: it would bring a closed item back.
    public static func cannotSnooze(inboxID: Int64, state: InboxState) -> StoreError {
        .invalidState(what: "id", reason: "inbox item \(inboxID) is \(state.rawValue); only an open or snoozed item can be snoozed (set a new reminder with remind instead)")
    }

    /// A reminder that brings back a snoozed item, cancelled by hand.
    public static func bringsBackSnoozedItem(reminderID: Int64, inboxID: Int64) -> StoreError {
        .invalidState(what: "id", reason: "reminder \(reminderID) brings back snoozed inbox item \(inboxID): mark that item done or dismiss it instead")
    }
}

private extension OutreachStatus {
    var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// What a write did to the set of pending reminders (the store's reminder feed
/// publishes it after each commit; the scheduler applies it).
public struct ScheduleChanges: Sendable, Equatable {
    /// Pending reminders, new or moved, with the instant they now fire.
    public var scheduled: [ScheduledReminder] = []
    /// Reminders no longer pending (fired, cancelled, deleted).
    public var cancelled: [Int64] = []
    /// Too much changed at once: re-read the whole pending set.
    public var resync = false
    public init(scheduled: [ScheduledReminder] = [], cancelled: [Int64] = [], resync: Bool = false) {
        self.scheduled = scheduled
        self.cancelled = cancelled
        self.resync = resync
    }

    /// Adds `other`'s changes after these. A reminder these schedule and `other` cancels
    /// (planned, then replaced in the same transaction) is cancelled only: the scheduler
    /// applies every cancellation before every scheduling, and would arm it again.
    public mutating func merge(_ other: ScheduleChanges) {
        let gone = Set(other.cancelled)
        scheduled = scheduled.filter { !gone.contains($0.id) } + other.scheduled
        cancelled += other.cancelled
        resync = resync || other.resync
    }

    public var isEmpty: Bool { scheduled.isEmpty && cancelled.isEmpty && !resync }
}

/// A pending reminder's id and due time: all the scheduler keeps of it.
public struct ScheduledReminder: Sendable, Equatable {
    public var id: Int64
    public var due: Date
    public init(id: Int64, due: Date) { self.id = id; self.due = due }
}

/// Which inbox items to list.
public enum InboxFilter: Sendable, Equatable {
    /// Unread and read (what still needs attention).
    case open
    case unread
    case all
}

/// Row counts for `Status`.
public struct StoreCounts: Sendable, Equatable {
    public var contacts: Int
    public var outreachAwaitingReply: Int
    public var pendingReminders: Int
    public var unread: Int
}
