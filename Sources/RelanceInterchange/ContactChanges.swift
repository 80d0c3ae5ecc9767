import RelanceCore

/// What an imported record adds to a contact that already exists: only what is new or
/// was empty. Nothing is overwritten, so applying the same changes twice changes nothing.
public struct ContactChanges: Sendable, Hashable, Codable {
    /// Addresses the contact does not have yet (compared ignoring case), appended.
    public var newEmails: [String]
    /// Handles on networks the contact has no handle for.
    public var newHandles: [String: String]
    /// Tags the contact does not have yet (compared ignoring case), appended.
    public var newTags: [String]
    /// The organization, when the contact has none.
    public var organization: String?
    /// The time zone, when the contact has none.
    public var timeZone: String?
    /// Why this person, when the contact has no reason yet.
    public var why: String?
    /// Notes, when the contact has none.
    public var notes: String?
    /// Phone numbers and web sites the contact does not have yet, appended.
    public var newPhones: [String] = []
    public var newWebsites: [String] = []
    /// Job title, department, name parts, birthday, photo and vCard UID, each when the
    /// contact has none (`phones` and `websites` are unused here).
    public var details = ContactDetails()

    /// Changes made of the given parts; all empty by default.
    public init(newEmails: [String] = [], newHandles: [String: String] = [:], newTags: [String] = [],
                organization: String? = nil, timeZone: String? = nil, why: String? = nil, notes: String? = nil) {
        self.newEmails = newEmails; self.newHandles = newHandles; self.newTags = newTags
        self.organization = organization; self.timeZone = timeZone; self.why = why; self.notes = notes
    }

    /// True when there is nothing to change: the contact is already up to date.
    public var isEmpty: Bool {
        newEmails.isEmpty && newHandles.isEmpty && newTags.isEmpty && newPhones.isEmpty && newWebsites.isEmpty
            && filledFields.isEmpty
    }

    /// The names of the fields filled because they were empty ("organization", "time zone").
    public var filledFields: [String] {
        [("organization", organization), ("time zone", timeZone), ("why", why), ("notes", notes),
         ("title", details.title), ("department", details.department), ("given name", details.givenName),
         ("family name", details.familyName), ("birthday", details.birthday), ("photo", details.photo),
         ("vCard UID", details.uid)]
            .compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// In words: "+1 e-mail, +linkedin, +2 tags, +organization".
    public var summary: String {
        var parts: [String] = []
        if !newEmails.isEmpty { parts.append("+\(newEmails.count) e-mail\(newEmails.count == 1 ? "" : "s")") }
        parts += newHandles.keys.sorted().map { "+\($0)" }
        if !newTags.isEmpty { parts.append("+\(newTags.count) tag\(newTags.count == 1 ? "" : "s")") }
        if !newPhones.isEmpty { parts.append("+\(newPhones.count) phone\(newPhones.count == 1 ? "" : "s")") }
        if !newWebsites.isEmpty { parts.append("+\(newWebsites.count) web site\(newWebsites.count == 1 ? "" : "s")") }
        parts += filledFields.map { "+\($0)" }
        return parts.isEmpty ? "nothing new" : parts.joined(separator: ", ")
    }

    /// `contact` with these changes applied.
    public func applied(to contact: Contact) -> Contact {
        var contact = contact
        contact.emails += newEmails
        contact.handles.merge(newHandles) { existing, _ in existing }
        contact.tags += newTags
        if contact.organization == nil { contact.organization = organization }
        if contact.timeZone == nil { contact.timeZone = timeZone }
        if contact.why == nil { contact.why = why }
        if contact.notes == nil { contact.notes = notes }
        contact.details = applied(to: contact.details)
        return contact
    }

    /// `draft` with these changes applied (a record merged into one this import adds).
    public func applied(to draft: ContactDraft) -> ContactDraft {
        var draft = draft
        draft.emails += newEmails
        draft.handles.merge(newHandles) { existing, _ in existing }
        draft.tags += newTags
        if draft.organization == nil { draft.organization = organization }
        if draft.timeZone == nil { draft.timeZone = timeZone }
        if draft.why == nil { draft.why = why }
        if draft.notes == nil { draft.notes = notes }
        draft.details = applied(to: draft.details)
        return draft
    }

    /// `details` with the new phones and web sites appended and its empty fields filled.
    func applied(to details: ContactDetails) -> ContactDetails {
        var details = details
        details.phones += newPhones
        details.websites += newWebsites
        if details.title == nil { details.title = self.details.title }
        if details.department == nil { details.department = self.details.department }
        if details.givenName == nil { details.givenName = self.details.givenName }
        if details.familyName == nil { details.familyName = self.details.familyName }
        if details.birthday == nil { details.birthday = self.details.birthday }
        if details.photo == nil { details.photo = self.details.photo }
        if details.uid == nil { details.uid = self.details.uid }
        return details
    }
}
