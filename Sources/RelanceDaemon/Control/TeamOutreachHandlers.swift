import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore
import VarlinkProtocol

// A team's shared contacts and outreach: the personal daemon's methods, parameters and
// replies, read with the same `ControlParameters`; the caller's team user owns what they
// add and signs what they log.
//
// `rules` is the caller's (their zone, issue #16): their times are read and shown in it.
// The store plans with the node's (`self.rules()`) and reads each reminder's owner's zone
// itself: a follow-up of lea's contact logged by sam is planned in lea's zone.

extension TeamControlService {
    /// Registers AddContact, UpdateContact, RemoveContact, ListContacts, GetContact, TouchContact, LogOutreach, LogFollowUp,
    /// ListOutreach, RecordReply, CancelOutreach, UpdateOutreach, AddMeeting, ListMeetings,
    /// MoveMeeting and CancelMeeting.
    static func registerOutreachHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(AddContact.self, readOnly: false) { call, p in try call.service.addContact(p, owner: try call.teamUser()) }
        handlers.register(UpdateContact.self, readOnly: false) { call, p in try call.service.updateContact(p, by: try call.teamUser(), rules: try call.rules()) }
        handlers.register(RemoveContact.self, readOnly: false) { call, p in try call.service.removeContact(p, by: try call.teamUser()) }
        handlers.register(ListContacts.self, readOnly: true) { call, p in try call.service.listContacts(p) }
        handlers.register(GetContact.self, readOnly: true) { call, p in try call.service.getContact(p, rules: try call.rules()) }
        handlers.register(TouchContact.self, readOnly: false) { call, p in
            try call.service.touchContact(p, by: try call.teamUser(), rules: try call.rules())
        }
        handlers.register(LogOutreach.self, readOnly: false) { call, p in try call.service.logOutreach(p, author: try call.teamUser(), rules: try call.rules()) }
        handlers.register(LogFollowUp.self, readOnly: false) { call, p in try call.service.logFollowUp(p, by: try call.teamUser(), rules: try call.rules()) }
        handlers.register(CancelOutreach.self, readOnly: false) { call, p in try call.service.cancelOutreach(p, by: try call.teamUser()) }
        handlers.register(UpdateOutreach.self, readOnly: false) { call, p in try call.service.updateOutreach(p, by: try call.teamUser(), rules: try call.rules()) }
        handlers.register(ListOutreach.self, readOnly: true) { call, p in try call.service.listOutreach(p, rules: try call.rules()) }
        handlers.register(RecordReply.self, readOnly: false) { call, p in try call.service.recordReply(p, call, rules: try call.rules()) }
        handlers.register(AddMeeting.self, readOnly: false) { call, p in try call.service.addMeeting(p, by: try call.teamUser(), rules: try call.rules()) }
        handlers.register(ListMeetings.self, readOnly: true) { call, _ in try call.service.listMeetings(rules: try call.rules()) }
        handlers.register(MoveMeeting.self, readOnly: false) { call, p in try call.service.moveMeeting(p, by: try call.teamUser(), rules: try call.rules()) }
        handlers.register(CancelMeeting.self, readOnly: false) { call, p in try call.service.cancelMeeting(p, by: try call.teamUser(), rules: try call.rules()) }
    }

    private func addContact(_ p: AddContact.Parameters, owner: String) throws -> ContactReply {
        let added = try store.addContact(try ControlParameters.contactDraft(p), owner: owner, now: clock.now(), rules: rules(),
                                         allowDuplicate: p.allowDuplicate ?? false)
        logger.info("added contact \(added.contact.name) for \(owner)", metadata: ["contact_id": "\(added.contact.id)"])
        return ContactReply(contact: added.contact.info(owner: added.owner))
    }

    /// Anyone in the team may correct a contact; its owner stays.
    private func updateContact(_ p: UpdateContact.Parameters, by user: String, rules: TimingRules) throws -> ContactReply {
        let contact = try store.resolveContact(p.contact).contact
        let (updated, changes) = try store.updateContact(id: contact.id, try ControlParameters.contactPatch(p),
                                                         rules: self.rules(), now: clock.now())
        logger.info("\(user) updated contact \(updated.contact.name); re-planned \(changes.scheduled.count) reminder(s)",
                    metadata: ["contact_id": "\(updated.contact.id)"])
        return ContactReply(contact: updated.contact.info(owner: updated.owner))
    }

    /// Only the contact's owner may (`TeamStore.removeContact`). No snapshot: the team's
    /// database is backed up as a database.
    private func removeContact(_ p: RemoveContact.Parameters, by user: String) throws -> ContactRemovalReply {
        let contact = try store.resolveContact(p.contact).contact
        let (removed, footprint) = try store.removeContact(id: contact.id, by: user, force: p.force ?? false)
        logger.notice("\(user) removed contact \(removed.name) with \(footprint.outreach) outreach, \(footprint.reminders) reminder(s), \(footprint.inboxItems) inbox item(s)",
                      metadata: ["contact_id": "\(removed.id)"])
        return ContactRemovalReply(name: removed.name, removed: footprint.info, snapshotId: nil)
    }

    /// Anyone in the team may: the contact's keep-in-touch reminder then counts from it.
    private func touchContact(_ p: TouchContact.Parameters, by user: String, rules: TimingRules) throws -> ContactReply {
        let found = try store.resolveContact(p.contact)
        let at = try p.at.map { try instant($0, "at", rules.userZone) } ?? clock.now()
        _ = try store.touchContact(id: found.contact.id, at: at, note: p.note, by: user, rules: self.rules())
        logger.info("\(user) was in touch with \(found.contact.name)", metadata: ["contact_id": "\(found.contact.id)"])
        return ContactReply(contact: found.contact.info(owner: found.owner))
    }

    private func listContacts(_ p: ListContacts.Parameters) throws -> ListContacts.Reply {
        let matches = ControlParameters.contactMatcher(p.query)
        return ListContacts.Reply(contacts: try store.contacts().filter { matches($0.contact) }.map { $0.contact.info(owner: $0.owner) })
    }

    /// The contact, its outreach, and its addresses that bounced (read mail, v17).
    private func getContact(_ p: GetContact.Parameters, rules: TimingRules) throws -> GetContact.Reply {
        let found = try store.resolveContact(p.contact)
        let outreach = try store.outreaches(contactID: found.contact.id)
        let bouncing = try store.bouncingAddresses(contactID: found.contact.id).map {
            BouncingAddressInfo(address: $0.address, reason: $0.reason, since: $0.since)
        }
        return GetContact.Reply(contact: found.contact.info(owner: found.owner), outreach: outreach.map(\.info), bouncing: bouncing,
                                timeZone: rules.userZone.identifier)
    }

    private func logOutreach(_ p: LogOutreach.Parameters, author: String, rules: TimingRules) throws -> LogOutreach.Reply {
        let policy = try ControlParameters.policy(p, base: rules.followUp)
        let sentAt = try p.sentAt.map { try instant($0, "sentAt", rules.userZone) } ?? clock.now()
        let logged: TeamOutreach, reminder: Reminder?
        do {
            (logged, reminder) = try store.logOutreach(contact: p.contact, author: author, channel: p.channel ?? "email", ask: p.ask,
                                                       sentAt: sentAt, policy: policy, rules: self.rules(), messageID: p.messageId,
                                                       anyway: p.anyway ?? false)
        } catch let error as AlreadyContacted {
            // Said in the caller's zone (the catch-all in `handle` knows only the node's).
            throw ControlError.alreadyContacted(contact: error.contact, by: error.by, sentAt: error.sentAt,
                                                state: error.status.rawValue, timeZone: rules.userZone.identifier)
        }
        logger.info("\(author) logged outreach to \(logged.contactName); first follow-up fires \(reminder.map { JSONCoding.formatDate($0.fireAt) } ?? "never")",
                    metadata: ["contact_id": "\(logged.outreach.contactID)", "outreach_id": "\(logged.outreach.id)"])
        return LogOutreach.Reply(outreach: logged.info, followUp: reminder?.info, timeZone: rules.userZone.identifier)
    }

    /// Only the outreach's author may (`TeamStore.logFollowUp`).
    private func logFollowUp(_ p: LogFollowUp.Parameters, by user: String, rules: TimingRules) throws -> LogFollowUp.Reply {
        let at = try p.at.map { try instant($0, "at", rules.userZone) } ?? clock.now()
        let (outreach, next) = try store.logFollowUp(outreachID: p.outreach, by: user, at: at, note: p.note, rules: self.rules())
        logger.info("\(user) logged follow-up \(outreach.outreach.followUpsSent) for outreach \(outreach.outreach.id)",
                    metadata: ["outreach_id": "\(outreach.outreach.id)", "contact_id": "\(outreach.outreach.contactID)"])
        return LogFollowUp.Reply(outreach: outreach.info, next: next?.info, timeZone: rules.userZone.identifier)
    }

    /// Only the outreach's author may (`TeamStore.cancelOutreach`).
    private func cancelOutreach(_ p: CancelOutreach.Parameters, by user: String) throws -> CancelOutreach.Reply {
        let (outreach, cancelled) = try store.cancelOutreach(outreachID: p.outreach, by: user, at: clock.now())
        let summary = "withdrawn; cancelled \(Corrections.count(cancelled.count, "pending reminder"))"
        logger.info("\(user) withdrew outreach \(p.outreach): \(summary)",
                    metadata: ["outreach_id": "\(p.outreach)", "contact_id": "\(outreach.outreach.contactID)"])
        return CancelOutreach.Reply(outreach: outreach.info, cancelledReminders: cancelled.count, summary: summary)
    }

    /// Only the outreach's author may (`TeamStore.updateOutreach`).
    private func updateOutreach(_ p: UpdateOutreach.Parameters, by user: String, rules: TimingRules) throws -> UpdateOutreach.Reply {
        let current = try store.outreach(id: p.outreach)
        let edit = try ControlParameters.outreachEdit(p, base: current.outreach.policy, sentAt: try p.sentAt.map { try instant($0, "sentAt", rules.userZone) })
        let (outreach, cancelled, next) = try store.updateOutreach(outreachID: p.outreach, by: user, edit: edit, rules: self.rules())
        let summary = edit.summary(cancelled: cancelled.count, next: next, zone: rules.userZone)
        logger.info("\(user) updated outreach \(p.outreach): \(summary)",
                    metadata: ["outreach_id": "\(p.outreach)", "contact_id": "\(outreach.outreach.contactID)"])
        return UpdateOutreach.Reply(outreach: outreach.info, cancelledReminders: cancelled.count, next: next?.info,
                                    summary: summary, timeZone: rules.userZone.identifier)
    }

    private func listOutreach(_ p: ListOutreach.Parameters, rules: TimingRules) throws -> ListOutreach.Reply {
        let status = try ControlParameters.outreachStatus(p.status)
        let contactID = try p.contact.map { try store.resolveContact($0).contact.id }
        return ListOutreach.Reply(outreach: try store.outreaches(contactID: contactID, status: status).map(\.info),
                                  timeZone: rules.userZone.identifier)
    }

    /// Anyone in the team may; a meeting it agrees to is the caller's to go to.
    private func recordReply(_ p: RecordReply.Parameters, _ call: Call, rules: TimingRules) throws -> RecordReply.Reply {
        let outcome = try ControlParameters.replyOutcome(p.outcome)
        let now = clock.now()
        // A meeting is someone's: only a team user's reply may add one.
        let meeting = try ControlParameters.agreedMeeting(p, outcome: outcome, at: try p.meetingAt.map { try instant($0, "meetingAt", rules.userZone) })
            .map { (draft: $0, by: try call.teamUser(), now: now) }
        let at = try p.at.map { try instant($0, "at", rules.userZone) } ?? now
        let (outreach, cancelled, added, _) = try store.recordReply(outreachID: p.outreach, outcome: outcome, at: at,
                                                                     by: call.user, rules: self.rules(), meeting: meeting)
        logger.info("recorded \(outcome.rawValue) for outreach \(outreach.outreach.id); cancelled \(cancelled.count) reminder(s)",
                    metadata: ["outreach_id": "\(outreach.outreach.id)", "contact_id": "\(outreach.outreach.contactID)"])
        return RecordReply.Reply(outreach: outreach.info, cancelledReminders: cancelled.count, meeting: added?.info,
                                 timeZone: rules.userZone.identifier)
    }

    // MARK: Meetings

    private func addMeeting(_ p: AddMeeting.Parameters, by user: String, rules: TimingRules) throws -> AddMeeting.Reply {
        let contact = try store.resolveContact(p.contact).contact
        let draft = MeetingDraft(contactID: contact.id, outreachID: p.outreach, startsAt: try instant(p.at, "at", rules.userZone),
                                 duration: try ControlParameters.duration(p.duration, "duration", default: ISODuration(hours: 1)),
                                 place: p.place, notes: p.notes)
        let (added, reminders) = try store.addMeeting(draft, by: user, force: p.force ?? false, rules: self.rules(), now: clock.now())
        logger.info("\(user) added a meeting with \(contact.name) at \(added.meeting.place)",
                    metadata: ["contact_id": "\(contact.id)", "meeting_id": "\(added.meeting.id)"])
        return AddMeeting.Reply(meeting: added.info, reminders: reminders.map(\.info), timeZone: rules.userZone.identifier)
    }

    private func listMeetings(rules: TimingRules) throws -> ListMeetings.Reply {
        ListMeetings.Reply(meetings: try store.meetings(from: clock.now()).map(\.info), timeZone: rules.userZone.identifier)
    }

    /// Only who goes may (`TeamStore.moveMeeting`).
    private func moveMeeting(_ p: MoveMeeting.Parameters, by user: String, rules: TimingRules) throws -> MoveMeeting.Reply {
        let startsAt = try p.at.map { try instant($0, "at", rules.userZone) }
        guard startsAt != nil || p.place != nil || p.duration != nil else {
            throw ControlError.invalidParameter("at", reason: "nothing to change: give at, place or duration")
        }
        let length = try p.duration.map { try ControlParameters.duration($0, "duration", default: ISODuration(hours: 1)) }
        let (moved, cancelled, reminders) = try store.moveMeeting(id: p.meeting, by: user, startsAt: startsAt, place: p.place,
                                                                  duration: length, rules: self.rules(), now: clock.now())
        var summary = "moved to \(Planner.describeMoment(moved.meeting.startsAt, rules.userZone)) at \(moved.meeting.place)"
        summary += "; cancelled \(Corrections.count(cancelled.count, "pending reminder")), planned \(Corrections.count(reminders.count, "reminder"))"
        logger.info("\(user) moved meeting \(p.meeting): \(summary)",
                    metadata: ["meeting_id": "\(p.meeting)", "contact_id": "\(moved.meeting.contactID)"])
        return MoveMeeting.Reply(meeting: moved.info, reminders: reminders.map(\.info), cancelledReminders: cancelled.count,
                                 summary: summary, timeZone: rules.userZone.identifier)
    }

    /// Only who goes may (`TeamStore.cancelMeeting`).
    private func cancelMeeting(_ p: CancelMeeting.Parameters, by user: String, rules: TimingRules) throws -> CancelMeeting.Reply {
        let (meeting, cancelled) = try store.cancelMeeting(id: p.meeting, by: user)
        let draft = p.draft == true
            ? Corrections.cancellationDraft(contact: meeting.contactName, place: meeting.meeting.place,
                                            start: meeting.meeting.startsAt, zone: rules.userZone) : nil
        let summary = "removed; cancelled \(Corrections.count(cancelled.count, "pending reminder"))"
        logger.info("\(user) cancelled meeting \(p.meeting): \(summary)",
                    metadata: ["meeting_id": "\(p.meeting)", "contact_id": "\(meeting.meeting.contactID)"])
        return CancelMeeting.Reply(meeting: meeting.info, cancelledReminders: cancelled.count, draft: draft, summary: summary,
                                   timeZone: rules.userZone.identifier)
    }
}

extension TeamOutreach {
    var info: OutreachInfo { outreach.info(contactName: contactName, by: author) }
}

extension TeamMeeting {
    var info: MeetingInfo { meeting.info(contactName: contactName, by: by) }
}
