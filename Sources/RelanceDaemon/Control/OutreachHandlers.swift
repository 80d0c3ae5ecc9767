import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Outreach: the asks sent, their follow-ups and how they ended.

extension ControlService {
    /// Registers LogOutreach, LogFollowUp, ListOutreach, RecordReply, UpdateOutreach and
    /// CancelOutreach.
    static func registerOutreachHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(LogOutreach.self, readOnly: false) { service, p in try service.logOutreach(p) }
        handlers.register(LogFollowUp.self, readOnly: false) { service, p in try service.logFollowUp(p) }
        handlers.register(ListOutreach.self, readOnly: true) { service, p in try service.listOutreach(p) }
        handlers.register(RecordReply.self, readOnly: false) { service, p in try service.recordReply(p) }
        handlers.register(UpdateOutreach.self, readOnly: false) { service, p in try service.updateOutreach(p) }
        handlers.register(CancelOutreach.self, readOnly: false) { service, p in try service.cancelOutreach(p) }
    }

    private func logOutreach(_ p: LogOutreach.Parameters) throws -> LogOutreach.Reply {
        let policy = try ControlParameters.policy(p, base: rules.followUp)
        let contact = try store.resolveContact(p.contact)
        let (outreach, reminder, _) = try store.logOutreach(
            contactID: contact.id, channel: p.channel ?? "email", ask: p.ask, sentAt: try instant(p.sentAt, "sentAt") ?? clock.now(),
            policy: policy, rules: rules, messageID: p.messageId)
        logger.info("logged outreach to \(contact.name); first follow-up fires \(reminder.map { JSONCoding.formatDate($0.fireAt) } ?? "never")",
                    metadata: ["contact_id": "\(contact.id)", "outreach_id": "\(outreach.id)"])
        return LogOutreach.Reply(outreach: outreach.info(contactName: contact.name), followUp: reminder?.info, timeZone: zoneName)
    }

    private func logFollowUp(_ p: LogFollowUp.Parameters) throws -> LogFollowUp.Reply {
        let (outreach, next, _) = try store.logFollowUp(outreachID: p.outreach, at: try instant(p.at, "at") ?? clock.now(), note: p.note, rules: rules)
        let contact = try store.contact(id: outreach.contactID)
        logger.info("logged follow-up \(outreach.followUpsSent) for outreach \(outreach.id)",
                    metadata: ["outreach_id": "\(outreach.id)", "contact_id": "\(contact.id)"])
        return LogFollowUp.Reply(outreach: outreach.info(contactName: contact.name), next: next?.info, timeZone: zoneName)
    }

    private func listOutreach(_ p: ListOutreach.Parameters) throws -> ListOutreach.Reply {
        let status = try ControlParameters.outreachStatus(p.status)
        let contactID = try p.contact.map { try store.resolveContact($0).id }
        let names = Dictionary(uniqueKeysWithValues: try store.contacts().map { ($0.id, $0.name) })
        let outreach = try store.outreaches(contactID: contactID, status: status)
        return ListOutreach.Reply(outreach: outreach.map { $0.info(contactName: names[$0.contactID] ?? "") }, timeZone: zoneName)
    }

    private func recordReply(_ p: RecordReply.Parameters) throws -> RecordReply.Reply {
        let outcome = try ControlParameters.replyOutcome(p.outcome)
        let meeting = try ControlParameters.agreedMeeting(p, outcome: outcome, at: try instant(p.meetingAt, "meetingAt"))
        let now = clock.now()
        let (outreach, created, changes) = try store.recordReply(outreachID: p.outreach, outcome: outcome, at: try instant(p.at, "at") ?? now,
                                                                 meeting: meeting, rules: rules, now: now)
        let contact = try store.contact(id: outreach.contactID)
        logger.info("recorded \(outcome.rawValue) for outreach \(outreach.id); cancelled \(changes.cancelled.count) reminder(s)",
                    metadata: ["outreach_id": "\(outreach.id)", "contact_id": "\(contact.id)"])
        return RecordReply.Reply(outreach: outreach.info(contactName: contact.name), cancelledReminders: changes.cancelled.count,
                                 meeting: created?.info(contactName: contact.name), timeZone: zoneName)
    }

    private func updateOutreach(_ p: UpdateOutreach.Parameters) throws -> UpdateOutreach.Reply {
        let current = try store.outreach(id: p.outreach)
        let edit = try ControlParameters.outreachEdit(p, base: current.policy, sentAt: try instant(p.sentAt, "sentAt"))
        let result = try store.updateOutreach(outreachID: p.outreach, edit: edit, rules: rules)
        let contact = try store.contact(id: result.outreach.contactID)
        let summary = edit.summary(cancelled: result.cancelled, next: result.next, zone: rules.userZone)
        logger.info("updated outreach \(p.outreach): \(summary)", metadata: ["outreach_id": "\(p.outreach)", "contact_id": "\(contact.id)"])
        return UpdateOutreach.Reply(outreach: result.outreach.info(contactName: contact.name), cancelledReminders: result.cancelled,
                                    next: result.next?.info, summary: summary, timeZone: zoneName)
    }

    private func cancelOutreach(_ p: CancelOutreach.Parameters) throws -> CancelOutreach.Reply {
        let result = try store.cancelOutreach(outreachID: p.outreach, at: clock.now())
        let contact = try store.contact(id: result.outreach.contactID)
        let summary = "withdrawn; cancelled \(Corrections.count(result.cancelled, "pending reminder"))"
        logger.info("withdrew outreach \(p.outreach): \(summary)", metadata: ["outreach_id": "\(p.outreach)", "contact_id": "\(contact.id)"])
        return CancelOutreach.Reply(outreach: result.outreach.info(contactName: contact.name),
                                    cancelledReminders: result.cancelled, summary: summary)
    }
}
