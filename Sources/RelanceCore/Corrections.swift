import Foundation

/// What a correction (an edited outreach, a moved meeting or reminder, a cancellation)
/// sets in motion, as pure rules: the store persists the answers in the correction's
/// one transaction.
public enum Corrections {
    /// Where an outreach's pending follow-up stands after the outreach was edited: the
    /// same step, clamped to the new sequence (fewer nudges than already sent: the
    /// let-go comes next), counted from the same anchor, or from the new send time when
    /// it counted from the send time. Nil when the new sequence has nothing left (it
    /// never lets go and every nudge is past).
    public static func pendingStep(step: Int, anchor: Date, oldSentAt: Date, newSentAt: Date,
                                   policy: FollowUpPolicy) -> (step: Int, anchor: Date)? {
        let clamped = min(step, policy.nudges.count)
        guard policy.wait(forStep: clamped) != nil else { return nil }
        return (clamped, anchor == oldSentAt ? newSentAt : anchor)
    }

    /// A reminder moved by hand fires exactly at `at` (no window: you chose the time).
    public static func moved(to at: Date, from previous: Date, zone: TimeZone) -> PlannedTime {
        PlannedTime(dueAt: at, fireAt: at,
                    reason: "moved by you from \(Planner.describeMoment(previous, zone))")
    }

    /// A short note to send when you cancel a meeting (Relance never sends it).
    public static func cancellationDraft(contact: String, place: String, start: Date, zone: TimeZone) -> String {
        let firstName = contact.split(separator: " ").first.map(String.init) ?? contact
        return "Hi \(firstName), I'm sorry, I have to cancel our meeting at \(place) on "
            + "\(Planner.describeMoment(start, zone)). Could we find another time? Apologies for the change."
    }

    /// "1 pending reminder", "3 pending reminders".
    public static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }
}
