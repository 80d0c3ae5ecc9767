import RelanceCore

/// How an event repeats, as RFC 5545 says it (§3.8.5): a rule, dates taken out, dates added.
///
/// All dates are wall-clock times in the event's own zone, so that "every first Tuesday
/// at 19:00 in Paris" stays at 19:00 across daylight-saving changes.
public struct Recurrence: Sendable, Hashable, Codable {
    /// The RRULE value without the "RRULE:" prefix, e.g. "FREQ=MONTHLY;BYDAY=1TU";
    /// nil when the event happens only at DTSTART and the `rdates`.
    public var rrule: String?
    /// Wall-clock occurrences removed from the set (EXDATE), matched exactly.
    public var exdates: [LocalDateTime]
    /// Wall-clock occurrences added to the set (RDATE).
    public var rdates: [LocalDateTime]

    /// A recurrence from its parts; check `rrule` first with `RecurrenceExpander.validate(rrule:)`
    /// when it comes from a user.
    public init(rrule: String? = nil, exdates: [LocalDateTime] = [], rdates: [LocalDateTime] = []) {
        self.rrule = rrule
        self.exdates = exdates
        self.rdates = rdates
    }
}
