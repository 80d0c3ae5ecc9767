import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore

// Day-two corrections of team contacts (issue #16): merging a duplicate away and
// forgetting a person, with the personal daemon's replies and errors; and the draft of a
// follow-up to one's own outreach. No snapshot: the
// team's database is backed up as a database (the reply's snapshotId is nil).

extension TeamControlService {
    /// Registers ForgetContact, MergeContacts and Draft.
    static func registerContactCorrectionHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(Draft.self, readOnly: true) { call, p in
            try call.service.draft(p, by: try call.teamUser(), uid: call.uid, rules: try call.rules())
        }
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

    /// The polite follow-up to one's own outreach (`Draft`), the personal daemon's
    /// (`ControlService.followUpDraft`) made the caller's: signed with their account's full
    /// name, from the address they set (`SetMyMail`), its dates in their zone; the node's
    /// `[user] language`, `pitch` and templates. Only the outreach's author may: the
    /// follow-up is theirs to send, in their thread.
    private func draft(_ p: Draft.Parameters, by user: String, uid: UInt32?, rules: TimingRules) throws -> Draft.Reply {
        let found = try store.outreach(id: p.outreach)
        guard found.author == user else {
            throw ControlError.invalidParameter("outreach", reason: "#\(p.outreach) is \(found.author)'s: only its author can draft its follow-up; ask \(found.author), or log your own outreach to \(found.contactName)")
        }
        let contact = try store.resolveContact(String(found.outreach.contactID)).contact
        let configuration = configuration()
        let mail = try store.mail(of: user)
        // Their account's full name, else the name in their address ("Lea Martin <lea@…>").
        let name = uid.flatMap { ControlService.accountFullName(uid: $0) } ?? mail.flatMap(Self.displayName)
        let signature = FollowUpDraft.Signature(name: name, pitch: configuration.pitch)
        return ControlService.followUpDraft(outreach: found.outreach, contact: contact, language: configuration.language,
                                            templatesDirectory: templatesDirectory, signature: signature,
                                            fromAddress: mail.flatMap(ControlService.bareAddress), zone: rules.userZone)
    }

    /// "Lea Martin <lea@example.org>" → "Lea Martin"; nil for a bare address.
    static func displayName(_ address: String) -> String? {
        guard let open = address.lastIndex(of: "<") else { return nil }
        let name = address[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        return name.isEmpty ? nil : name
    }
}
