import Foundation

/// A step of an outreach's follow-up sequence as a reminder to store: its kind, its text
/// and when it fires. One rule for every store (the personal SQLite one and a team's
/// PostgreSQL one), so a follow-up comes due at the same moment whichever keeps it.
public struct FollowUpStep: Sendable, Hashable {
    public var step: Int
    public var kind: ReminderKind
    public var text: String
    public var planned: PlannedTime

    /// Step `step` of `outreach`'s sequence counted from `anchor`; nil past its end.
    public static func plan(step: Int, outreach: Outreach, contact: Contact, anchor: Date,
                            rules: TimingRules) -> FollowUpStep? {
        guard let planned = Planner.followUp(step: step, policy: outreach.policy, anchor: anchor,
                                             contactZone: contact.zone, rules: rules),
              let wait = outreach.policy.wait(forStep: step) else { return nil }
        let letGo = outreach.policy.isLetGo(step: step)
        let text = letGo
            ? ReminderText.letGo(contact: contact.name, ask: outreach.ask, sentAt: outreach.sentAt, zone: rules.userZone)
            : ReminderText.followUp(contact: contact.name, ask: outreach.ask, sentAt: outreach.sentAt, step: step,
                                    waited: wait, zone: rules.userZone)
        return FollowUpStep(step: step, kind: letGo ? .letGo : .followUp, text: text, planned: planned)
    }

    /// The step that comes after the user logged their `followUpsSent`-th follow-up,
    /// counted from when they sent it: the k-th follow-up answers nudge k-1, so next
    /// comes nudge k, or the let-go (past the nudges).
    public static func stepAfterFollowUp(_ followUpsSent: Int, policy: FollowUpPolicy) -> Int {
        min(followUpsSent, policy.nudges.count)
    }

    /// Checks what a new outreach says before any store writes it; returns the
    /// Message-ID without its angle brackets (nil when none was given).
    public static func validateNewOutreach(channel: String, ask: String, messageID: String?,
                                           policy: FollowUpPolicy) throws -> String? {
        try Validation.singleLine(channel, field: "channel")
        let messageID = try messageID.flatMap(Validation.messageID)
        guard !ask.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError(field: "ask", reason: "say what you asked for, e.g. \"a 20-minute coffee chat\"")
        }
        try Validation.singleLine(ask, field: "ask")
        guard policy.stepCount > 0 else { throw ValidationError(field: "policy", reason: "needs at least one step") }
        return messageID
    }
}
