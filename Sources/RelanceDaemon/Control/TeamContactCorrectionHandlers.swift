import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore

// Day-two corrections of team contacts (issue #16): merging a duplicate away and
// forgetting a person, with the personal daemon's replies and errors. No snapshot: the
// team's database is backed up as a database (the reply's snapshotId is nil).

extension TeamControlService {
    /// Registers ForgetContact and MergeContacts.
    static func registerContactCorrectionHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(ForgetContact.self, readOnly: false) { call, p in try call.service.forgetContact(p, by: try call.teamUser()) }
        handlers.register(MergeContacts.self, readOnly: false) { call, p in try call.service.mergeContacts(p, by: try call.teamUser()) }
    }

    /// Only the contact's owner may; everything about the person goes, open outreach too
    /// (`TeamStore.removeContact` forced), on every node.
    private func forgetContact(_ p: ForgetContact.Parameters, by user: String) throws -> ContactRemovalReply {
        let contact = try store.resolveContact(p.contact).contact
        let (removed, footprint) = try store.removeContact(id: contact.id, by: user, force: true, doing: "forget them")
        // A privacy request: the journal keeps the id, never the name.
        logger.notice("\(user) forgot contact #\(removed.id) and everything about them", metadata: ["contact_id": "\(removed.id)"])
        return ContactRemovalReply(name: removed.name, removed: footprint.info, snapshotId: nil)
    }

    /// Only the owner of the contact merged away may (`TeamStore.mergeContacts`).
    private func mergeContacts(_ p: MergeContacts.Parameters, by user: String) throws -> MergeContacts.Reply {
        let kept = try store.resolveContact(p.into).contact
        let merged = try store.resolveContact(p.from).contact
        guard kept.id != merged.id else {
            throw ControlError.invalidParameter("from", reason: "'\(p.from)' and '\(p.into)' are the same contact (\(kept.name), #\(kept.id))")
        }
        let (contact, gone, moved) = try store.mergeContacts(keptID: kept.id, mergedID: merged.id, by: user, rules: rules(),
                                                             now: clock.now())
        logger.notice("\(user) merged contact #\(gone.id) into \(contact.contact.name)", metadata: ["contact_id": "\(contact.contact.id)"])
        return MergeContacts.Reply(contact: contact.contact.info(owner: contact.owner), merged: gone.name, moved: moved.info,
                                   snapshotId: nil)
    }
}
