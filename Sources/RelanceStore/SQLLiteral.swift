import RelanceCore

/// A stored enum written into SQL text as a quoted literal ('pending'), so queries name
/// the enum, not a string that could drift from it. A literal rather than a bound
/// argument where it matters: SQLite uses a partial index (`WHERE state = 'pending'`)
/// only when the query repeats its condition literally.
protocol SQLLiteral: RawRepresentable where RawValue == String {}

extension SQLLiteral {
    /// 'raw_value', quoted for SQL (the raw values hold no quote).
    var sql: String { "'\(rawValue)'" }
}

extension Sequence where Element: SQLLiteral {
    /// ('a', 'b'), for `IN`.
    var sqlList: String { "(" + map(\.sql).joined(separator: ", ") + ")" }
}

extension ReminderState: SQLLiteral {}
extension ReminderKind: SQLLiteral {}
extension InboxState: SQLLiteral {}
extension InteractionKind: SQLLiteral {}

/// Where a delivery job stands in the outbox.
enum DeliveryState: String, SQLLiteral {
    case pending, sent
    /// The item was dealt with (done, dismissed) or snoozed before this job went out.
    case cancelled
}

/// Interactions that are not a sign of life from the contact (an out-of-office, a bounce).
enum NonInteraction: String, SQLLiteral {
    case autoReply = "auto_reply", bounce
}
