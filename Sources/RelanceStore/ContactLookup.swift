import Foundation
import RelanceCore

/// Which contact a person means by a name: the one rule for every store (the personal
/// one and a team's), so "ada" finds the same person, or fails the same way, in both.
public enum ContactLookup {
    /// An exact name (case- and accent-insensitive), else the one contact whose name
    /// contains `query`; none is `contactNotFound` with close names, several is
    /// `ambiguousContact`. Ids are the caller's to look up first.
    public static func byName(_ query: String, among all: [Contact]) throws -> Contact {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        let options: String.CompareOptions = [.caseInsensitive, .diacriticInsensitive]
        let exact = all.filter { $0.name.compare(trimmed, options: options) == .orderedSame }
        if exact.count == 1 { return exact[0] }
        let matches = exact.isEmpty ? all.filter { $0.name.range(of: trimmed, options: options) != nil } : exact
        switch matches.count {
        case 1: return matches[0]
        case 0: throw StoreError.contactNotFound(query: trimmed, suggestions: Spelling.suggestions(for: trimmed, among: all.map(\.name)))
        default: throw StoreError.ambiguousContact(query: trimmed, candidates: matches.map { "\($0.name) (#\($0.id))" })
        }
    }
}
