/// A record that could not be imported, where it is and why.
///
/// Parsers keep going after a bad record, so one file yields both contacts and
/// rejections; the user fixes the lines named and imports again (imports are idempotent).
public struct ImportRejection: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the rejected record starts.
    public var source: SourceLocation
    /// What is wrong with it, and where it helps, what to do.
    public var reason: String

    /// A rejection of the record at `source` because of `reason`.
    public init(source: SourceLocation, reason: String) {
        self.source = source
        self.reason = reason
    }

    /// A rejection of the record at 1-based `line` of `file`.
    public init(file: String, line: Int, reason: String) {
        self.init(source: SourceLocation(file: file, line: line), reason: reason)
    }

    /// `file:line: reason`.
    public var description: String { "\(source): \(reason)" }
}
