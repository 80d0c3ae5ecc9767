import Foundation

/// How much one import may bring (issue #14). An import is one transaction, all or
/// nothing, so its size is how long it holds the write lock and how much memory the
/// daemon needs for it: these bounds keep both known (BENCHMARKS.md, "Longest write").
/// They sit well above real exports (LinkedIn caps a network at 30 000 connections; a
/// decade of a busy Google calendar is a few thousand events).
public enum ImportLimits {
    /// One file read from a path; a file sent in the call is bounded by the 1 MiB message.
    public static let maximumFileBytes = 64 << 20
    /// Contacts (and rejected records) in one import.
    public static let maximumContacts = 50_000
    /// Events (VEVENTs, a changed occurrence counting as one) in one import.
    public static let maximumEvents = 20_000

    /// Refuses a file of `bytes` over the bound, naming it.
    public static func checkFileSize(_ bytes: Int, name: String, field: String) throws {
        guard bytes <= maximumFileBytes else {
            throw ValidationError(field: field, reason: "\(name) is \(mebibytes(bytes)); at most \(mebibytes(maximumFileBytes)) per file are imported: split it into several files")
        }
    }

    /// Refuses an import of `count` records of `kind` ("contacts", "events") over `limit`.
    public static func checkCount(_ count: Int, limit: Int, kind: String, field: String = "files") throws {
        guard count <= limit else {
            throw ValidationError(field: field, reason: "\(count) \(kind) in one import; at most \(limit) are imported at once: split the file and import the parts one after the other")
        }
    }

    static func mebibytes(_ bytes: Int) -> String {
        let value = Double(bytes) / Double(1 << 20)
        return value == value.rounded() ? "\(Int(value)) MiB" : String(format: "%.1f MiB", value)
    }
}
