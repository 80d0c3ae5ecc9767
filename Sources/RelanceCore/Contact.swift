import Foundation

/// A person the user writes to.
public struct Contact: Sendable, Codable, Hashable, Identifiable {
    /// Stable identifier, assigned by the store.
    public var id: Int64
    /// Full name as the user writes it ("Ada Lovelace").
    public var name: String
    /// E-mail addresses, the preferred one first.
    public var emails: [String]
    /// Other handles by network: `["linkedin": "https://…", "mastodon": "@ada@…"]`.
    public var handles: [String: String]
    /// Company, lab or community.
    public var organization: String?
    /// IANA time zone identifier ("Europe/Paris"); follow-ups aim at their local morning.
    public var timeZone: String?
    /// Why this person: what the user admires, what they want to learn from them.
    public var why: String?
    /// Free-form labels ("founder", "paris").
    public var tags: [String]
    /// Free-form notes.
    public var notes: String?
    /// Keep-in-touch cadence: a reminder when nothing has happened for this long.
    public var keepInTouch: Wait?
    /// When the contact was added (UTC).
    public var createdAt: Date
    /// Phone numbers, job title, department, websites, name parts, birthday, photo, vCard UID.
    public var details: ContactDetails

    public init(id: Int64, name: String, emails: [String] = [], handles: [String: String] = [:],
                organization: String? = nil, timeZone: String? = nil, why: String? = nil,
                tags: [String] = [], notes: String? = nil, keepInTouch: Wait? = nil, createdAt: Date,
                details: ContactDetails = ContactDetails()) {
        self.id = id; self.name = name; self.emails = emails; self.handles = handles
        self.organization = organization; self.timeZone = timeZone; self.why = why
        self.tags = tags; self.notes = notes; self.keepInTouch = keepInTouch; self.createdAt = createdAt
        self.details = details
    }

    /// The name to greet them by: the given name they were imported with, else the first
    /// word of the full name that is not an honorific ("Dr. Grace Hopper" → "Grace").
    public var greetingName: String { PersonName.greetingName(fullName: name, givenName: details.givenName) }

    /// The contact's zone, when it has a valid one.
    public var zone: TimeZone? { timeZone.flatMap(TimeZone.init(identifier:)) }
}

/// What the user supplies to create a contact; validated before it reaches the store.
public struct ContactDraft: Sendable, Codable, Hashable {
    public var name: String
    public var emails: [String]
    public var handles: [String: String]
    public var organization: String?
    public var timeZone: String?
    public var why: String?
    public var tags: [String]
    public var notes: String?
    public var keepInTouch: Wait?
    /// Phone numbers, job title, department, websites, name parts, birthday, photo, vCard UID.
    public var details: ContactDetails

    public init(name: String, emails: [String] = [], handles: [String: String] = [:],
                organization: String? = nil, timeZone: String? = nil, why: String? = nil,
                tags: [String] = [], notes: String? = nil, keepInTouch: Wait? = nil,
                details: ContactDetails = ContactDetails()) {
        self.name = name; self.emails = emails; self.handles = handles
        self.organization = organization; self.timeZone = timeZone; self.why = why
        self.tags = tags; self.notes = notes; self.keepInTouch = keepInTouch; self.details = details
    }

    /// Checks every field; throws the first problem found, naming the field.
    public func validated() throws -> ContactDraft {
        var draft = self
        draft.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !draft.name.isEmpty else {
            throw ValidationError(field: "name", reason: "must not be empty")
        }
        try Validation.singleLine(draft.name, field: "name")
        draft.emails = try emails.enumerated().map { index, email in
            let trimmed = email.trimmingCharacters(in: .whitespaces)
            try Validation.emailAddress(trimmed, field: "emails[\(index)]")
            return trimmed
        }
        for (network, handle) in handles {
            try Validation.singleLine(network, field: "handles key")
            try Validation.singleLine(handle, field: "handles.\(network)")
        }
        if let organization { try Validation.singleLine(organization, field: "organization") }
        if let timeZone {
            guard TimeZone(identifier: timeZone) != nil else {
                throw ValidationError(field: "timeZone", reason: "'\(timeZone)' is not an IANA time zone (e.g. Europe/Paris, America/Toronto)")
            }
        }
        for (index, tag) in tags.enumerated() { try Validation.singleLine(tag, field: "tags[\(index)]") }
        draft.details = try details.validated()
        return draft
    }
}

/// Something that happened with a contact; any of them pushes keep-in-touch out.
public enum InteractionKind: String, Sendable, Codable, CaseIterable {
    case outreach, followUp = "follow_up", reply, meeting, touch, event
}

/// A meeting you accepted: the place, time and date they offered.
public struct Meeting: Sendable, Codable, Hashable, Identifiable {
    public var id: Int64
    public var contactID: Int64
    public var outreachID: Int64?
    public var startsAt: Date
    public var endsAt: Date
    public var place: String
    public var notes: String?

    public init(id: Int64, contactID: Int64, outreachID: Int64?, startsAt: Date, endsAt: Date, place: String, notes: String?) {
        self.id = id; self.contactID = contactID; self.outreachID = outreachID
        self.startsAt = startsAt; self.endsAt = endsAt; self.place = place; self.notes = notes
    }
}
