import Foundation
import RelanceCore

/// Collects the raw fields of one exported record and turns them into an
/// `ImportedContact`, cleaning what validation would refuse; shared by every parser so
/// a vCard and a CSV row with the same data give the same contact.
struct ContactRecordBuilder {
    let source: SourceLocation
    var name = ""
    var emails: [String] = []
    var handles: [(network: String, value: String)] = []
    var organization: String?
    var timeZone: String?
    var why: String?
    var tags: [String] = []
    var notes: [String] = []
    var phones: [String] = []
    var title: String?
    var department: String?
    var givenName: String?
    var familyName: String?
    var birthday: String?
    var photo: String?
    var uid: String?
    var urls: [String] = []
    var firstInteraction: Date?
    var warnings: [String] = []

    init(source: SourceLocation) { self.source = source }

    /// Adds a web address; a LinkedIn profile also becomes the `linkedin` handle.
    mutating func addURL(_ raw: String) {
        let url = TextCleaning.singleLine(raw)
        guard !url.isEmpty else { return }
        urls.append(url)
        if ProfileURL.isLinkedInProfile(url) { handles.append(("linkedin", url)) }
    }

    /// Adds a zone if it is an IANA name; UTC offsets ("-05:00") cannot say which DST
    /// rules apply, so they are left out with a warning rather than guessed.
    mutating func setTimeZone(_ raw: String) {
        let zone = TextCleaning.singleLine(raw)
        guard !zone.isEmpty, timeZone == nil else { return }
        if (zone.contains("/") || zone == "UTC"), TimeZone(identifier: zone) != nil {
            timeZone = zone
        } else {
            warnings.append("ignored time zone '\(zone)' (not an IANA name such as Europe/Paris)")
        }
    }

    /// Splits `raw` on any of `separators` and adds each non-empty part as a tag.
    mutating func addTags(_ raw: String, separators: Set<Character>) {
        for part in raw.split(whereSeparator: { separators.contains($0) }) {
            tags.append(String(part))
        }
    }

    /// The contact, or why there is none: `noName` when the record has no name.
    /// - Parameter nameFromEmail: a record with no name but an e-mail address is named
    ///   after the address (Android and Radicale address books keep such cards), with a
    ///   warning, instead of being rejected.
    func build(noName: String, nameFromEmail: Bool = false) -> Result<ImportedContact, ImportRejection> {
        var cleanName = TextCleaning.singleLine(name)
        var warnings = warnings
        if cleanName.isEmpty, nameFromEmail,
           let address = emails.lazy.map({ TextCleaning.singleLine($0) })
               .map({ $0.lowercased().hasPrefix("mailto:") ? String($0.dropFirst(7)) : $0 })
               .first(where: Self.isEmailAddress) {
            cleanName = address
            warnings.append("\(noName): named after its e-mail address; rename it with `relancectl contact update`")
        }
        guard !cleanName.isEmpty else { return .failure(ImportRejection(source: source, reason: noName)) }

        var seenEmails = Set<String>()
        var cleanEmails: [String] = []
        for raw in emails {
            var email = TextCleaning.singleLine(raw)
            if email.lowercased().hasPrefix("mailto:") { email = String(email.dropFirst(7)) }
            guard !email.isEmpty else { continue }
            guard Self.isEmailAddress(email) else {
                warnings.append("dropped e-mail '\(email)' (not an address)")
                continue
            }
            if seenEmails.insert(email.lowercased()).inserted { cleanEmails.append(email) }
        }

        var cleanHandles: [String: String] = [:]
        for (network, value) in handles {
            let key = TextCleaning.singleLine(network).lowercased()
            let handle = TextCleaning.singleLine(value)
            guard !key.isEmpty, !handle.isEmpty, cleanHandles[key] == nil else { continue }
            cleanHandles[key] = handle
        }

        var seenTags = Set<String>()
        var cleanTags: [String] = []
        for raw in tags {
            let tag = TextCleaning.singleLine(raw)
            if !tag.isEmpty, seenTags.insert(tag.lowercased()).inserted { cleanTags.append(tag) }
        }

        let cleanNotes = notes.map(TextCleaning.multiLine).filter { !$0.isEmpty }.joined(separator: "\n\n")
        var cleanBirthday: String?
        if let raw = birthday.map(TextCleaning.singleLine), !raw.isEmpty {
            cleanBirthday = ContactDetails.normalizedBirthday(raw)
            if cleanBirthday == nil { warnings.append("ignored birthday '\(raw)' (not a date such as 1815-12-10)") }
        }
        var seenPhones = Set<String>()
        let cleanPhones = phones.map(TextCleaning.singleLine).filter { !$0.isEmpty && seenPhones.insert(MergePlanner.phoneKey($0)).inserted }
        var seenSites = Set<String>()
        let websites = urls.filter { !ProfileURL.isLinkedInProfile($0) && seenSites.insert($0.lowercased()).inserted }
        let details = ContactDetails(
            phones: cleanPhones, title: title.map(TextCleaning.singleLine).nonEmpty,
            department: department.map(TextCleaning.singleLine).nonEmpty, websites: websites,
            givenName: givenName.map(TextCleaning.singleLine).nonEmpty,
            familyName: familyName.map(TextCleaning.singleLine).nonEmpty, birthday: cleanBirthday,
            photo: photo.map(TextCleaning.singleLine).nonEmpty, uid: uid.map(TextCleaning.singleLine).nonEmpty)
        let draft = ContactDraft(
            name: cleanName, emails: cleanEmails, handles: cleanHandles,
            organization: organization.map(TextCleaning.singleLine).nonEmpty,
            timeZone: timeZone, why: why.map(TextCleaning.multiLine).nonEmpty,
            tags: cleanTags, notes: cleanNotes.isEmpty ? nil : cleanNotes, details: details)
        do {
            let valid = try draft.validated()
            return .success(ImportedContact(draft: valid, source: source, firstInteraction: firstInteraction,
                                            urls: urls, warnings: warnings))
        } catch {
            // Cleaning above should make this unreachable; report rather than crash.
            return .failure(ImportRejection(source: source, reason: "\(error)"))
        }
    }
}

extension ContactRecordBuilder {
    /// The rule of `Validation.emailAddress` (one `@`, a local part, a dot in the domain,
    /// no space, `<`, `>` or `,`, no control character) over UTF-8 bytes: the Character-based
    /// original was the largest cost of a 10 000-card import. `validated()` still runs
    /// after, so a drift between the two rejects a record instead of storing a bad address.
    static func isEmailAddress(_ text: String) -> Bool {
        var ats = 0
        var localLength = 0
        var domainHasDot = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "@"): ats += 1
            case UInt8(ascii: " "), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), 0..<0x20, 0x7F: return false
            case UInt8(ascii: "."): if ats == 1 { domainHasDot = true }
            default: break
            }
            if ats == 0 { localLength += 1 }
        }
        // C1 controls (U+0080–U+009F) are two bytes, C2 80–C2 9F.
        if text.unicodeScalars.contains(where: TextCleaning.isControl) { return false }
        return ats == 1 && localLength > 0 && domainHasDot
    }
}
