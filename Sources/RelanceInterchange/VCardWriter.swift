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

    /// The vCard UID of contact `id`: `urn:uuid:` and the version-5 UUID of
    /// "relance-contact-<id>", so exporting again updates cards instead of duplicating them.
    public static func uid(forContactID id: Int64) -> String {
        "urn:uuid:" + SHA1.uuidV5(namespace: namespace, name: "relance-contact-\(id)")
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
        writer.line("UID", uid(forContactID: contact.id))
        let name = TextCleaning.singleLine(contact.name)
        writer.text("FN", name)
        // N is optional in 4.0 but 3.0-era readers need it. The last word as the family
        // name is a guess ("du Châtelet" comes out wrong), which is why FN is the one
        // that counts and N is only there to be present.
        let words = name.split(separator: " ")
        let family = words.count > 1 ? String(words.last!) : ""
        let given = words.count > 1 ? words.dropLast().joined(separator: " ") : name
        writer.line("N", [family, given, "", "", ""].map(ContentLineWriter.escape).joined(separator: ";"))
        for (index, email) in contact.emails.enumerated() {
            writer.text(index == 0 && contact.emails.count > 1 ? "EMAIL;PREF=1" : "EMAIL", TextCleaning.singleLine(email))
        }
        if let organization = contact.organization, !organization.isEmpty {
            writer.line("ORG", ContentLineWriter.escape(TextCleaning.singleLine(organization)))
        }
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
