import Foundation

/// Why a file cannot be read as a personal store; nothing was read from it or written to
/// it. `description` names the file and says what to do.
public struct PersonalStoreCopyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case missing, unreadable, notYours, inUse, notSQLite, notARelanceStore, newerSchema, olderSchema
    }
    public var kind: Kind
    public var path: String
    public var description: String

    public init(_ kind: Kind, path: String, _ description: String) {
        self.kind = kind; self.path = path; self.description = description
    }
}
