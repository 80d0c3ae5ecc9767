import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore

// Contacts in and out on a team node: the personal daemon's vCard and CSV import (the
// same reading, plan and report, `InterchangeService`), and its exports.

extension TeamControlService {
    /// Registers ImportContacts and Export.
    static func registerInterchangeHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(ImportContacts.self, readOnly: false) { call, p in
            try call.service.importContacts(p, owner: try call.teamUser(), uid: call.uid)
        }
        handlers.register(Export.self, readOnly: true) { call, p in try call.service.export(p) }
    }

    /// All or nothing, in one transaction; new contacts are the caller's. A file named by
    /// its path is read only if the caller owns it, as `migrate` reads (the node would
    /// read anything else with its own rights, for whichever team user asked).
    private func importContacts(_ p: ImportContacts.Parameters, owner: String, uid: UInt32?) throws -> ImportReply {
        let read = InterchangeService.readOwned(by: Self.requiredOwner(caller: uid))
        let report = try InterchangeService.importContacts(p, read: read, contacts: { try store.contacts().map(\.contact) }) { plan in
            _ = try store.importContacts(now: clock.now(), rules: rules(), owner: owner, plan: plan)
        }
        if report.applied {
            logger.notice("\(owner) imported contacts: \(report.added) added, \(report.merged) merged, \(report.skipped) skipped, \(report.rejected) rejected")
        }
        return ImportReply(report: report)
    }

    /// The team's address book, or what is coming for the team (reminders, meetings, events).
    private func export(_ p: Export.Parameters) throws -> Export.Reply {
        let now = clock.now()
        return Export.Reply(text: try InterchangeService.export(p.format, now: now, contacts: { try store.contacts().map(\.contact) }) {
            (try store.upcoming(limit: 100_000), try store.meetings(from: now).map(\.meeting), try store.events().map(\.event))
        })
    }
}
