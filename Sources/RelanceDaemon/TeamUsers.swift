import Foundation

/// Who may use a team node's control socket, and as whom (`[team.users]`): the local
/// uid of each caller, read with SO_PEERCRED, names the team user who owns the contacts
/// they add and signs the outreach they log (issue #16).
public struct TeamUsers: Sendable, Equatable {
    /// uid -> team user name.
    public var byUID: [UInt32: String] = [:]

    public init(byUID: [UInt32: String] = [:]) { self.byUID = byUID }

    public var isEmpty: Bool { byUID.isEmpty }

    public func name(of uid: UInt32) -> String? { byUID[uid] }

    /// "lea (1000), sam (1001)", or "none", for the journal.
    public var summary: String {
        isEmpty ? "none" : byUID.sorted { $0.value < $1.value }.map { "\($0.value) (\($0.key))" }.joined(separator: ", ")
    }

    /// 1 to 32 of letters, digits, '-', '_' and '.': it is shown in sentences and stored.
    static func isValidName(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
