import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Contacts: add, change, touch, list and look up.

extension ControlService {
    /// Registers AddContact, UpdateContact, TouchContact, ListContacts, GetContact,
    /// RemoveContact, ForgetContact and MergeContacts.
    static func registerContactHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(AddContact.self, readOnly: false) { service, p in try service.addContact(p) }
        handlers.register(UpdateContact.self, readOnly: false) { service, p in try service.updateContact(p) }
        handlers.register(TouchContact.self, readOnly: false) { service, p in try service.touchContact(p) }
        handlers.register(ListContacts.self, readOnly: true) { service, p in try service.listContacts(p) }
        handlers.register(GetContact.self, readOnly: true) { service, p in try service.getContact(p) }
        handlers.register(RemoveContact.self, readOnly: false) { service, p in try service.removeContact(p) }
        handlers.register(ForgetContact.self, readOnly: false) { service, p in try service.forgetContact(p) }
        handlers.register(MergeContacts.self, readOnly: false) { service, p in try service.mergeContacts(p) }
    }

    private func addContact(_ p: AddContact.Parameters) throws -> ContactReply {
        let draft = try ControlParameters.contactDraft(p)
        let (contact, _) = try store.addContact(draft, now: clock.now(), rules: rules, allowDuplicate: p.allowDuplicate ?? false)
        logger.info("added contact \(contact.name)", metadata: ["contact_id": "\(contact.id)"])
        return ContactReply(contact: contact.info)
    }

    private func updateContact(_ p: UpdateContact.Parameters) throws -> ContactReply {
        let contact = try store.resolveContact(p.contact)
        let patch = try ControlParameters.contactPatch(p)
        let (updated, changes) = try store.updateContact(id: contact.id, patch, now: clock.now(), rules: rules)
        logger.info("updated contact \(updated.name); re-planned \(changes.scheduled.count) reminder(s)",
                    metadata: ["contact_id": "\(updated.id)"])
        return ContactReply(contact: updated.info)
    }

    private func touchContact(_ p: TouchContact.Parameters) throws -> ContactReply {
        let contact = try store.resolveContact(p.contact)
        _ = try store.touchContact(id: contact.id, at: try instant(p.at, "at") ?? clock.now(), note: p.note, rules: rules)
        return ContactReply(contact: contact.info)
    }

    private func listContacts(_ p: ListContacts.Parameters) throws -> ListContacts.Reply {
        let contacts = try store.contacts().filter(ControlParameters.contactMatcher(p.query))
        return ListContacts.Reply(contacts: contacts.map(\.info))
    }

    private func getContact(_ p: GetContact.Parameters) throws -> GetContact.Reply {
        let contact = try store.resolveContact(p.contact)
        let outreach = try store.outreaches(contactID: contact.id)
        let bouncing = try store.bouncingAddresses(contactID: contact.id).map {
            BouncingAddressInfo(address: $0.address, reason: $0.reason, since: $0.since)
        }
        return GetContact.Reply(contact: contact.info, outreach: outreach.map { $0.info(contactName: contact.name) },
                                bouncing: bouncing, timeZone: zoneName)
    }

    private func removeContact(_ p: RemoveContact.Parameters) throws -> ContactRemovalReply {
        let contact = try store.resolveContact(p.contact)
        let force = p.force ?? false
        // Refuse before the snapshot: a refusal changes nothing, not even the shelf.
        let open = try store.outreaches(contactID: contact.id).filter { $0.status == .awaitingReply }.map(\.id)
        if !force, !open.isEmpty { throw ControlError.contactHasOpenOutreach(contact: contact.name, outreach: open.sorted()) }
        let snapshotID = try safetySnapshot("remove-contact")
        let (removed, footprint) = try store.removeContact(id: contact.id, force: force)
        logger.notice("removed contact \(removed.name) with \(footprint.outreach) outreach, \(footprint.reminders) reminder(s), \(footprint.inboxItems) inbox item(s)",
                      metadata: ["contact_id": "\(removed.id)", "snapshot": "\(snapshotID ?? "")"])
        return ContactRemovalReply(name: removed.name, removed: footprint.info, snapshotId: snapshotID)
    }

    private func forgetContact(_ p: ForgetContact.Parameters) throws -> ContactRemovalReply {
        let contact = try store.resolveContact(p.contact)
        let snapshotID = try safetySnapshot("forget-contact")
        let (removed, footprint) = try store.removeContact(id: contact.id, force: true)
        // A privacy request: the journal keeps the id, never the name.
        logger.notice("forgot contact #\(removed.id) and everything about them", metadata: ["contact_id": "\(removed.id)"])
        return ContactRemovalReply(name: removed.name, removed: footprint.info, snapshotId: snapshotID)
    }

    private func mergeContacts(_ p: MergeContacts.Parameters) throws -> MergeContacts.Reply {
        let kept = try store.resolveContact(p.into)
        let merged = try store.resolveContact(p.from)
        guard kept.id != merged.id else {
            throw ControlError.invalidParameter("from", reason: "'\(p.from)' and '\(p.into)' are the same contact (\(kept.name), #\(kept.id))")
        }
        let snapshotID = try safetySnapshot("merge-contacts")
        let (contact, moved, _) = try store.mergeContacts(keptID: kept.id, mergedID: merged.id, now: clock.now(), rules: rules)
        logger.notice("merged contact #\(merged.id) into \(contact.name)", metadata: ["contact_id": "\(contact.id)"])
        return MergeContacts.Reply(contact: contact.info, merged: merged.name, moved: moved.info, snapshotId: snapshotID)
    }
}
