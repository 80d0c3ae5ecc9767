/// Where a record starts in an imported file, for messages the user can jump to.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file name as the user gave it ("contacts.vcf").
    public var file: String
    /// 1-based line of the record's first line (BEGIN:VCARD, or the CSV row's first line).
    public var line: Int

    /// A location in `file` at 1-based `line`.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`, the form editors and compilers use.
    public var description: String { "\(file):\(line)" }
}
