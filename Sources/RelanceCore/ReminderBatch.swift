import Foundation

/// The rules of a batch of reminders set for explicit times (`RemindMany`,
/// `relancectl remind --from`, issue #15): how many one call may carry, and what each
/// item must be. All or nothing: the first item at fault names itself and nothing is
/// written.
public enum ReminderBatch {
    /// At most this many reminders per call. One transaction of this size holds the
    /// write lock for about a tenth of a second on a 2-core machine (BENCHMARKS.md), and
    /// its message stays well under the 1 MiB request limit with one-line texts.
    public static let maximumCount = 5_000

    /// Refuses an empty batch or one over `maximumCount`, naming `field` ("reminders").
    public static func checkCount(_ count: Int, field: String = "reminders") throws {
        guard count > 0 else { throw ValidationError(field: field, reason: "give at least one reminder") }
        guard count <= maximumCount else {
            throw ValidationError(field: field, reason: "\(count) reminders in one call; at most \(maximumCount): split the list into several calls")
        }
    }

    /// A reminder's text as stored: trimmed, not empty, one line without control
    /// characters. `field` names it in the error ("reminders[3].text").
    public static func text(_ text: String, field: String = "text") throws -> String {
        let trimmed = Blanks.trimmingWhitespaceAndNewlines(text)
        guard !trimmed.isEmpty else { throw ValidationError(field: field, reason: "must not be empty") }
        try Validation.singleLine(trimmed, field: field)
        return trimmed
    }

    /// The field name of item `index` of the batch: "reminders[3].at".
    public static func field(_ index: Int, _ name: String, in batch: String = "reminders") -> String {
        "\(batch)[\(index)].\(name)"
    }
}
