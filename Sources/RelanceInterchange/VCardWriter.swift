import Foundation
import RelanceCore

/// Writes contacts as vCard 4.0 (RFC 6350), for Apple Contacts, Google Contacts,
/// Thunderbird and any CardDAV client.
///
/// Handles go out as Apple's `X-SOCIALPROFILE;TYPE=<network>`, which every major
/// client reads and `VCardParser` reads back; the reason to know someone as
/// `X-RELANCE-WHY`, which other clients keep without showing.
public enum VCardWriter {
    /// Namespace of Relance's name-based UUIDs (random, fixed forever: changing it would
    /// change every exported UID and duplicate contacts in the user's address books).
    static let namespace = SHA1.uuidBytes("3efb1a65-04f8-47a1-8dde-27b98067ab63")

    /// The vCard UID of `contact`, the same on every export so a CardDAV server updates
    /// the card instead of adding another: the UID it was imported with; else `urn:uuid:`
    /// and the version-5 UUID of its identity — its first e-mail address, else its first
    /// profile, else its name and the instant it was added. Never the row id, which
    /// every store starts at 1 (contact #1 of two stores would have merged into one card).
    public static func uid(for contact: Contact) -> String {
        if let uid = contact.details.uid, !uid.isEmpty { return uid }
        let identity: String
        if let email = contact.emails.first {
            identity = "mailto:" + email.lowercased()
        } else if let (network, handle) = contact.handles.sorted(by: { $0.key < $1.key }).first {
            identity = network + ":" + (ProfileURL.normalized(handle) ?? handle)
        } else {
            identity = "name:" + contact.name + "@" + String(Int64((contact.createdAt.timeIntervalSince1970 * 1000).rounded()))
        }
        return "urn:uuid:" + SHA1.uuidV5(namespace: namespace, name: "relance-contact:" + identity)
    }

    /// `contacts` as one vCard 4.0 stream, in the given order, CRLF line ends.
    public static func write(_ contacts: [Contact]) -> String {
        var writer = ContentLineWriter()
        for contact in contacts { card(contact, into: &writer) }
        return writer.string
    }

    private static func card(_ contact: Contact, into writer: inout ContentLineWriter) {
        writer.line("BEGIN", "VCARD")
        writer.line("VERSION", "4.0")
        writer.line("UID", TextCleaning.singleLine(uid(for: contact)))
        let name = TextCleaning.singleLine(contact.name)
        let details = contact.details
        writer.text("FN", name)
        // N is optional in 4.0 but 3.0-era readers need it. Without the parts the person
        // was imported with, the last word as the family name is a guess ("du Châtelet"
        // comes out wrong), which is why FN is the one that counts.
        // With one part known (N:test;;;; imported), the other stays empty: a guess would
        // come back on the next import as a new given name, another person.
        let words = name.split(separator: " ")
        let known = details.familyName != nil || details.givenName != nil
        let family = details.familyName ?? (known ? "" : words.count > 1 ? String(words.last!) : "")
        let given = details.givenName ?? (known ? "" : words.count > 1 ? words.dropLast().joined(separator: " ") : name)
        writer.line("N", [family, given, "", "", ""].map { ContentLineWriter.escape(TextCleaning.singleLine($0)) }.joined(separator: ";"))
        for (index, email) in contact.emails.enumerated() {
            writer.text(index == 0 && contact.emails.count > 1 ? "EMAIL;PREF=1" : "EMAIL", TextCleaning.singleLine(email))
        }
        for (index, phone) in details.phones.enumerated() {
            writer.text(index == 0 && details.phones.count > 1 ? "TEL;PREF=1" : "TEL", TextCleaning.singleLine(phone))
        }
        if let organization = contact.organization, !organization.isEmpty {
            let units = [organization] + (details.department.map { [$0] } ?? [])
            writer.line("ORG", units.map { ContentLineWriter.escape(TextCleaning.singleLine($0)) }.joined(separator: ";"))
        } else if let department = details.department {
            writer.line("ORG", ";" + ContentLineWriter.escape(TextCleaning.singleLine(department)))
        }
        if let title = details.title { writer.text("TITLE", TextCleaning.singleLine(title)) }
        for website in details.websites { writer.line("URL", TextCleaning.singleLine(website)) }  // URIs: not TEXT-escaped
        if let birthday = details.birthday { writer.line("BDAY", birthday) }
        if let photo = details.photo { writer.line("PHOTO", TextCleaning.singleLine(photo)) }
        if let zone = contact.timeZone, !zone.isEmpty { writer.text("TZ", zone) }
        let tags = contact.tags.map { ContentLineWriter.escape(TextCleaning.singleLine($0)) }.filter { !$0.isEmpty }
        if !tags.isEmpty { writer.line("CATEGORIES", tags.joined(separator: ",")) }
        for (network, handle) in contact.handles.sorted(by: { $0.key < $1.key }) {
            writer.text("X-SOCIALPROFILE;TYPE=\(ContentLineWriter.parameter(network))", TextCleaning.singleLine(handle))
        }
        if let notes = contact.notes, !notes.isEmpty { writer.text("NOTE", notes) }
        if let why = contact.why, !why.isEmpty { writer.text("X-RELANCE-WHY", why) }
        writer.line("END", "VCARD")
    }
}
