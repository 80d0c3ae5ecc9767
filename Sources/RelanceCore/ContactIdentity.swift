import Foundation

/// What makes two contacts the same person, and what one person looks like once two of
/// their records are merged. Pure rules: the store persists what they decide.
///
/// Two contacts are the same person when they share an e-mail address (compared without
/// case) or a profile URL (a handle that is a web address, compared in `ProfileURL`'s
/// canonical form), never on the name alone: namesakes exist.
public enum ContactIdentity {
    /// One identifying value two contacts share.
    public struct Clash: Sendable, Equatable {
        /// "emails" or "handles.<network>".
        public var field: String
        /// The value as the new contact gives it.
        public var value: String
        /// The contact that already has it.
        public var existing: Contact

        public init(field: String, value: String, existing: Contact) {
            self.field = field; self.value = value; self.existing = existing
        }
    }

    /// The first e-mail address or profile URL of `draft` that one of `contacts` already
    /// has (e-mails first, then handles by network name), or nil.
    public static func firstClash(of draft: ContactDraft, among contacts: [Contact]) -> Clash? {
        for email in draft.emails {
            let key = email.lowercased()
            if let existing = contacts.first(where: { $0.emails.contains { $0.lowercased() == key } }) {
                return Clash(field: "emails", value: email, existing: existing)
            }
        }
        for (network, value) in draft.handles.sorted(by: { $0.key < $1.key }) {
            guard let key = ProfileURL.normalized(value) else { continue }
            if let existing = contacts.first(where: { $0.handles.values.contains { ProfileURL.normalized($0) == key } }) {
                return Clash(field: "handles.\(network)", value: value, existing: existing)
            }
        }
        return nil
    }

    /// `kept` with what `merged` knows added: e-mail addresses and tags united (kept's
    /// first, no duplicates ignoring case), handles united (kept's win a shared network),
    /// empty text fields, zone and cadence filled from `merged`; notes of both kept. The
    /// id, name and creation date are kept's, except that the earlier creation date wins.
    public static func merge(_ merged: Contact, into kept: Contact) -> Contact {
        var result = kept
        result.emails = united(kept.emails, merged.emails)
        result.tags = united(kept.tags, merged.tags)
        result.handles = kept.handles.merging(merged.handles) { mine, _ in mine }
        result.organization = kept.organization ?? merged.organization
        result.timeZone = kept.timeZone ?? merged.timeZone
        result.why = kept.why ?? merged.why
        result.keepInTouch = kept.keepInTouch ?? merged.keepInTouch
        switch (kept.notes, merged.notes) {
        case (let mine?, let theirs?) where mine != theirs: result.notes = mine + "\n" + theirs
        case (nil, let theirs): result.notes = theirs
        default: break
        }
        result.createdAt = min(kept.createdAt, merged.createdAt)
        return result
    }

    private static func united(_ first: [String], _ second: [String]) -> [String] {
        var seen = Set(first.map { $0.lowercased() })
        var result = first
        for value in second where seen.insert(value.lowercased()).inserted { result.append(value) }
        return result
    }
}
