import Foundation
import RelanceCore

/// What a vCard file of a followed address book (`[sync] contacts`, issue #12) does to the
/// contacts. Pure: the daemon writes the decisions in one store transaction.
///
/// The server's address book is the truth for what a card says (name, addresses,
/// organization, title, phones…): a card the file brought before replaces those fields
/// of its contact. What only Relance knows stays: why this person, notes, tags (the
/// card's are added), keep-in-touch and every outreach. A card not linked yet is matched
/// to a contact by vCard UID or a shared e-mail address (any case), whose addresses it
/// joins; with no match it is a new contact.
public enum VdirContactPlanner {
    /// The decision for one card.
    public enum Decision: Sendable, Equatable {
        case add(ContactDraft)
        /// Contact `id` takes `draft` (`changes` says what differs, for the journal).
        case replace(id: Int64, ContactDraft, changes: [String])
        /// Contact `id` already says what the card says.
        case keep(id: Int64)
    }

    /// One decision per card, keyed by the card's vCard UID ("" without one).
    ///
    /// - Parameters:
    ///   - cards: the cards of the file (usually one).
    ///   - contacts: the stored contacts the cards may concern (every contact, or those
    ///     linked to the file, with one of the cards' vCard UIDs or one of their addresses).
    ///   - linked: the contacts the file brought before, by vCard UID.
    public static func plan(cards: [ImportedContact], contacts: [Contact], linked: [String: Int64]) -> [(uid: String, decision: Decision)] {
        let byID = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id, $0) })
        var taken: Set<Int64> = []
        var result: [(String, Decision)] = []
        for card in cards {
            let uid = card.draft.details.uid ?? ""
            // The contact this file brought: by UID, or the only one when the file holds one
            // card (a client that rewrites the UID still edits the same person).
            var target: Contact?
            var firstLink = false
            if let id = linked[uid] ?? (cards.count == 1 && linked.count == 1 ? linked.values.first : nil), let contact = byID[id] {
                target = contact
            } else {
                target = match(card.draft, in: contacts, excluding: taken)
                firstLink = target != nil
            }
            guard let contact = target, !taken.contains(contact.id) else {
                result.append((uid, .add(card.draft)))
                continue
            }
            taken.insert(contact.id)
            let draft = merged(card.draft, into: contact, firstLink: firstLink)
            let changes = differences(contact, draft)
            result.append((uid, changes.isEmpty ? .keep(id: contact.id) : .replace(id: contact.id, draft, changes: changes)))
        }
        return result
    }

    /// The first contact with the card's vCard UID, or sharing one of its e-mail addresses.
    static func match(_ card: ContactDraft, in contacts: [Contact], excluding taken: Set<Int64>) -> Contact? {
        if let uid = card.details.uid, let contact = contacts.first(where: { $0.details.uid == uid && !taken.contains($0.id) }) {
            return contact
        }
        let emails = Set(card.emails.map { $0.lowercased() })
        return contacts.first { contact in !taken.contains(contact.id) && contact.emails.contains { emails.contains($0.lowercased()) } }
    }

    /// The contact's new content: the card's fields, Relance's own kept.
    /// - Parameter firstLink: the card is joining an existing contact: its addresses and
    ///   handles are added to the contact's rather than replacing them.
    static func merged(_ card: ContactDraft, into contact: Contact, firstLink: Bool) -> ContactDraft {
        var emails = card.emails
        if firstLink {
            let known = Set(emails.map { $0.lowercased() })
            emails += contact.emails.filter { !known.contains($0.lowercased()) }
        }
        let handles = firstLink ? contact.handles.merging(card.handles) { _, card in card } : card.handles
        let known = Set(contact.tags.map { $0.lowercased() })
        return ContactDraft(name: card.name, emails: emails, handles: handles,
                            organization: card.organization, timeZone: card.timeZone ?? contact.timeZone,
                            why: contact.why ?? card.why, tags: contact.tags + card.tags.filter { !known.contains($0.lowercased()) },
                            notes: contact.notes ?? card.notes, keepInTouch: contact.keepInTouch, details: card.details)
    }

    /// The fields that differ, by name ("name", "emails", …).
    static func differences(_ contact: Contact, _ draft: ContactDraft) -> [String] {
        var fields: [String] = []
        if contact.name != draft.name { fields.append("name") }
        if contact.emails != draft.emails { fields.append("emails") }
        if contact.handles != draft.handles { fields.append("handles") }
        if contact.organization != draft.organization { fields.append("organization") }
        if contact.timeZone != draft.timeZone { fields.append("time zone") }
        if contact.why != draft.why { fields.append("why") }
        if contact.tags != draft.tags { fields.append("tags") }
        if contact.notes != draft.notes { fields.append("notes") }
        if contact.details != draft.details { fields.append("details") }
        return fields
    }
}
