import Foundation

/// What a fired reminder sets in motion. A pure rule: the store gathers the facts in
/// the firing transaction and persists the answer there.
public enum FollowOn: Equatable, Sendable {
    /// Nothing follows.
    case none
    /// The sequence goes on: `step` of the outreach, counted from `anchor` (an ignored
    /// nudge still leads on, from its own due time).
    case nextStep(outreachID: Int64, step: Int, anchor: Date)
    /// The let-go passed without a reply: the outreach becomes *no reply* as of `at`.
    case noReply(outreachID: Int64, at: Date)
    /// Still nothing with this contact: remind again a cadence after `anchor`.
    case keepInTouch(contactID: Int64, anchor: Date)

    /// What the store knows about a fired reminder's surroundings.
    public struct Facts: Sendable, Equatable {
        public var kind: ReminderKind
        public var dueAt: Date
        /// The follow-up step it was (0-based), for a follow-up.
        public var step: Int?
        public var outreachID: Int64?
        public var contactID: Int64?
        /// It brings back a snoozed item rather than being a rule's own reminder.
        public var resurfaces: Bool
        /// Its outreach still awaits a reply.
        public var outreachAwaitingReply: Bool
        /// Another step of the same sequence is already pending (a follow-up was logged).
        public var sequenceStillPending: Bool
        /// Its contact has a keep-in-touch cadence.
        public var contactHasCadence: Bool

        public init(kind: ReminderKind, dueAt: Date, step: Int? = nil, outreachID: Int64? = nil, contactID: Int64? = nil,
                    resurfaces: Bool = false, outreachAwaitingReply: Bool = false, sequenceStillPending: Bool = false,
                    contactHasCadence: Bool = false) {
            self.kind = kind; self.dueAt = dueAt; self.step = step; self.outreachID = outreachID
            self.contactID = contactID; self.resurfaces = resurfaces; self.outreachAwaitingReply = outreachAwaitingReply
            self.sequenceStillPending = sequenceStillPending; self.contactHasCadence = contactHasCadence
        }
    }

    /// Catch-up that does not flood: a fired step whose successor is already due at
    /// `now` is superseded. Only the latest step of a rule reaches the inbox; the
    /// earlier ones are recorded as skipped.
    public static func isSuperseded(successorFiresAt successor: Date?, now: Date) -> Bool {
        guard let successor else { return false }
        return successor <= now
    }

    /// Where a keep-in-touch cadence counts from after it fired at `now`: its own due
    /// time, unless that leaves the next one already due (missed cadences after
    /// downtime): then from now, so six missed cadences give one reminder, not six.
    public static func keepInTouchAnchor(dueAt: Date, now: Date, nextFrom: (Date) -> Date) -> Date {
        nextFrom(dueAt) <= now ? now : dueAt
    }

    /// The rule.
    public static func after(_ fired: Facts) -> FollowOn {
        guard !fired.resurfaces else { return .none }
        switch fired.kind {
        case .followUp:
            guard let outreachID = fired.outreachID, let step = fired.step, fired.outreachAwaitingReply,
                  !fired.sequenceStillPending else { return .none }
            return .nextStep(outreachID: outreachID, step: step + 1, anchor: fired.dueAt)
        case .letGo:
            guard let outreachID = fired.outreachID, fired.outreachAwaitingReply else { return .none }
            return .noReply(outreachID: outreachID, at: fired.dueAt)
        case .keepInTouch:
            guard let contactID = fired.contactID, fired.contactHasCadence else { return .none }
            return .keepInTouch(contactID: contactID, anchor: fired.dueAt)
        case .custom, .meetingPrep, .meetingLeave, .thankYou, .eventRSVP, .eventSoon, .eventLogPeople:
            return .none
        }
    }
}
