import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Outreach: the asks sent, their follow-ups and how they ended.

extension ControlService {
    /// Registers LogOutreach, LogFollowUp, ListOutreach and RecordReply.
    static func registerOutreachHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(LogOutreach.self, readOnly: false) { service, p in try service.logOutreach(p) }
        handlers.register(LogFollowUp.self, readOnly: false) { service, p in try service.logFollowUp(p) }
        handlers.register(ListOutreach.self, readOnly: true) { service, p in try service.listOutreach(p) }
        handlers.register(RecordReply.self, readOnly: false) { service, p in try service.recordReply(p) }
    }

    /// The sequence an outreach asks for: a preset, explicit steps, or one wait
    /// (`FollowUpPolicy.resolve` is the one reading, shared with the configuration).
    private func policy(_ p: LogOutreach.Parameters) throws -> FollowUpPolicy {
        var nudges: [Wait]?
        if let text = p.followUp { nudges = try text.split(separator: ",").map { try wait(String($0), "followUp") } }
        if let steps = p.steps { nudges = try steps.enumerated().map { try wait($1, "steps[\($0)]") } }
        var letGo: FollowUpPolicy.LetGo?
        if let text = p.letGo { letGo = .after(try wait(text, "letGo")) }
        if p.neverLetGo == true { letGo = .never }
        do {
            return try FollowUpPolicy.resolve(preset: p.policy, nudges: nudges, letGo: letGo, base: rules.followUp)
        } catch {
            let parameter = switch error.part { case .preset: "policy"; case .nudges: "steps"; case .letGo: "letGo" }
            throw ControlError.invalidParameter(parameter, reason: error.reason)
        }
    }

    private func logOutreach(_ p: LogOutreach.Parameters) throws -> LogOutreach.Reply {
        let policy = try policy(p)
        let contact = try store.resolveContact(p.contact)
        let (outreach, reminder, _) = try store.logOutreach(
            contactID: contact.id, channel: p.channel ?? "email", ask: p.ask, sentAt: p.sentAt ?? clock.now(),
            policy: policy, rules: rules)
        logger.info("logged outreach to \(contact.name); first follow-up fires \(reminder.map { JSONCoding.formatDate($0.fireAt) } ?? "never")",
                    metadata: ["contact_id": "\(contact.id)", "outreach_id": "\(outreach.id)"])
        return LogOutreach.Reply(outreach: outreach.info(contactName: contact.name), followUp: reminder?.info)
    }

    private func logFollowUp(_ p: LogFollowUp.Parameters) throws -> LogFollowUp.Reply {
        let (outreach, next, _) = try store.logFollowUp(outreachID: p.outreach, at: p.at ?? clock.now(), note: p.note, rules: rules)
        let contact = try store.contact(id: outreach.contactID)
        logger.info("logged follow-up \(outreach.followUpsSent) for outreach \(outreach.id)",
                    metadata: ["outreach_id": "\(outreach.id)", "contact_id": "\(contact.id)"])
        return LogFollowUp.Reply(outreach: outreach.info(contactName: contact.name), next: next?.info)
    }

    private func listOutreach(_ p: ListOutreach.Parameters) throws -> ListOutreach.Reply {
        var status: OutreachStatus?
        if let text = p.status {
            guard let parsed = OutreachStatus(rawValue: text) else {
                throw ControlError.invalidParameter("status", reason: "'\(text)' is not one of \(OutreachStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let contactID = try p.contact.map { try store.resolveContact($0).id }
        let names = Dictionary(uniqueKeysWithValues: try store.contacts().map { ($0.id, $0.name) })
        let outreach = try store.outreaches(contactID: contactID, status: status)
        return ListOutreach.Reply(outreach: outreach.map { $0.info(contactName: names[$0.contactID] ?? "") })
    }

    private func recordReply(_ p: RecordReply.Parameters) throws -> RecordReply.Reply {
        guard let outcome = ReplyOutcome(rawValue: p.outcome) else {
            throw ControlError.invalidParameter("outcome", reason: "'\(p.outcome)' is not one of \(ReplyOutcome.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var meeting: MeetingDraft?
        if let meetingAt = p.meetingAt {
            guard outcome == .meeting else { throw ControlError.invalidParameter("meetingAt", reason: "only with outcome meeting") }
            guard let place = p.place else { throw ControlError.invalidParameter("place", reason: "say where the meeting is") }
            meeting = MeetingDraft(contactID: 0, startsAt: meetingAt,
                                   duration: try duration(p.duration, "duration", default: ISODuration(hours: 1)), place: place)
        }
        let now = clock.now()
        let (outreach, created, changes) = try store.recordReply(outreachID: p.outreach, outcome: outcome, at: p.at ?? now,
                                                                 meeting: meeting, rules: rules, now: now)
        let contact = try store.contact(id: outreach.contactID)
        logger.info("recorded \(outcome.rawValue) for outreach \(outreach.id); cancelled \(changes.cancelled.count) reminder(s)",
                    metadata: ["outreach_id": "\(outreach.id)", "contact_id": "\(contact.id)"])
        return RecordReply.Reply(outreach: outreach.info(contactName: contact.name), cancelledReminders: changes.cancelled.count,
                                 meeting: created?.info(contactName: contact.name))
    }
}
