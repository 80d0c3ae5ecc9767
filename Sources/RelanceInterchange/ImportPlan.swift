import Foundation
import RelanceCore

/// What importing a set of records would do, decided before anything is written, so
/// `relancectl import --dry-run` shows it and the store applies it in one transaction.
///
/// `entries[i]` is the decision for the i-th imported record.
public struct ImportPlan: Sendable, Hashable, Codable {
    /// The decision for one imported record.
    public enum Action: Sendable, Hashable, Codable {
        /// Create a contact; the draft already includes the records of this import
        /// merged into it (`mergeWithImported`), and `firstInteraction` is the earliest
        /// of theirs (LinkedIn's "Connected On"), to start the keep-in-touch clock.
        case add(draft: ContactDraft, firstInteraction: Date?)
        /// Add `changes` to the existing contact `into`.
        case merge(into: Int64, changes: ContactChanges)
        /// A duplicate of an earlier record of this import (same e-mail or profile); its
        /// `changes` are already folded into that record's `add` draft: nothing to do.
        case mergeWithImported(first: SourceLocation, changes: ContactChanges)
        /// Nothing to do, and why ("already up to date").
        case skip(reason: String)
    }

    /// One imported record, what will happen to it, and anything worth telling the user.
    public struct Entry: Sendable, Hashable, Codable {
        /// Where the record starts.
        public var source: SourceLocation
        /// The record's name.
        public var name: String
        /// What will happen.
        public var action: Action
        /// Remarks: a same-name contact that was not merged, a conflicting value kept.
        public var notes: [String]

        /// An entry for the record at `source` named `name`.
        public init(source: SourceLocation, name: String, action: Action, notes: [String] = []) {
            self.source = source; self.name = name; self.action = action; self.notes = notes
        }

        /// One line: "add Ada Lovelace (file.vcf:12)", "merge Grace Hopper into #3: +1 e-mail (…)".
        public var summary: String {
            switch action {
            case .add: "add \(name) (\(source))"
            case .merge(let id, let changes): "merge \(name) into #\(id): \(changes.summary) (\(source))"
            case .mergeWithImported(let first, let changes):
                "merge \(name) into the new contact from \(first): \(changes.summary) (\(source))"
            case .skip(let reason): "skip \(name) (\(source)): \(reason)"
            }
        }
    }

    /// How many records each kind of decision got.
    public struct Counts: Sendable, Hashable, Codable {
        /// New contacts.
        public var add = 0
        /// Records merged into an existing contact or into one this import adds.
        public var merge = 0
        /// Records with nothing new.
        public var skip = 0
        /// Records the parsers could not read.
        public var rejected = 0

        /// Counts of zero.
        public init() {}
    }

    /// One decision per imported record, in input order.
    public let entries: [Entry]
    /// The records the parsers rejected, carried along so one report shows everything.
    public let rejections: [ImportRejection]
    /// Totals by decision.
    public let counts: Counts
    /// One line per entry (and an indented line per note), then one per rejection.
    public let summary: [String]

    /// A plan of `entries` and `rejections`; counts and summary are derived.
    public init(entries: [Entry], rejections: [ImportRejection] = []) {
        self.entries = entries
        self.rejections = rejections
        var counts = Counts()
        var summary: [String] = []
        for entry in entries {
            switch entry.action {
            case .add: counts.add += 1
            case .merge, .mergeWithImported: counts.merge += 1
            case .skip: counts.skip += 1
            }
            summary.append(entry.summary)
            summary += entry.notes.map { "  note: \($0)" }
        }
        counts.rejected = rejections.count
        summary += rejections.map { "reject \($0)" }
        self.counts = counts
        self.summary = summary
    }

    /// The existing contacts this plan changes, each once with all its merges applied
    /// (two records may merge into the same contact), in the order first touched.
    ///
    /// - Parameter existing: the contacts the plan was made against.
    public func updatedContacts(from existing: [Contact]) -> [Contact] {
        var byID = Dictionary(existing.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var order: [Int64] = []
        for entry in entries {
            guard case .merge(let id, let changes) = entry.action, let contact = byID[id] else { continue }
            if !order.contains(id) { order.append(id) }
            byID[id] = changes.applied(to: contact)
        }
        return order.compactMap { byID[$0] }
    }

    /// The entries that change something (add or merge into an existing contact).
    public var changes: [Entry] {
        entries.filter {
            switch $0.action {
            case .add, .merge: true
            case .mergeWithImported, .skip: false
            }
        }
    }
}
