import Foundation
import RelanceCore

/// One contact read from an export, before it is matched against the address book.
///
/// `draft` already passes `ContactDraft.validated()`: parsers drop what would not (a bad
/// e-mail, a zone that is not IANA) and say so in `warnings`, rather than losing the person.
public struct ImportedContact: Sendable, Hashable, Codable {
    /// The contact as it would be created.
    public var draft: ContactDraft
    /// Where the record starts in its file.
    public var source: SourceLocation
    /// When the user first connected with them (LinkedIn's "Connected On", noon UTC that day).
    public var firstInteraction: Date?
    /// Phone numbers as written in the export, preferred first (kept in `draft.details`).
    public var phones: [String] {
        get { draft.details.phones }
        set { draft.details.phones = newValue }
    }
    /// Job title ("Mathematician"; kept in `draft.details`).
    public var title: String? {
        get { draft.details.title }
        set { draft.details.title = newValue }
    }
    /// Web addresses from the export, LinkedIn profile included (the profile is kept as
    /// the `linkedin` handle, the others as `draft.details.websites`).
    public var urls: [String]
    /// What was dropped from the record and why ("dropped e-mail 'ada@' (not an address)").
    public var warnings: [String]

    /// A record at `source` with `draft` and the extras exports carry.
    public init(draft: ContactDraft, source: SourceLocation, firstInteraction: Date? = nil,
                phones: [String] = [], title: String? = nil, urls: [String] = [], warnings: [String] = []) {
        self.draft = draft
        self.source = source
        self.firstInteraction = firstInteraction
        if !phones.isEmpty { self.draft.details.phones = phones }
        if title != nil { self.draft.details.title = title }
        self.urls = urls
        self.warnings = warnings
    }
}

/// What a contact parser returns: the records it read and the ones it could not.
public typealias ContactImport = (contacts: [ImportedContact], rejections: [ImportRejection])
