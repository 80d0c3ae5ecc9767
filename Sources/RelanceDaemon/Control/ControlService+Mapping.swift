import RelanceAPI
import RelanceDelivery
import RelanceCore
import RelanceInterchange
import RelanceStore

// Core values to their wire form (field for field as in the IDL).

extension Contact {
    var info: ContactInfo { info(owner: nil) }

    /// On a team node, with the team user who owns it.
    func info(owner: String?) -> ContactInfo {
        ContactInfo(id: id, name: name, emails: emails, handles: handles, organization: organization,
                    timeZone: timeZone, why: why, tags: tags, notes: notes, keepInTouch: keepInTouch?.description,
                    createdAt: createdAt, phones: details.phones, title: details.title, department: details.department,
                    websites: details.websites, givenName: details.givenName, familyName: details.familyName,
                    birthday: details.birthday, photo: details.photo, uid: VCardWriter.uid(for: self), owner: owner)
    }
}

extension Outreach {
    /// `by`: on a team node, the team user who sent it.
    func info(contactName: String, by: String? = nil) -> OutreachInfo {
        OutreachInfo(id: id, contactId: contactID, contactName: contactName, channel: channel, ask: ask, sentAt: sentAt,
                     status: status.rawValue, steps: policy.nudges.map(\.description), letGo: policy.letGo?.description,
                     followUpsSent: followUpsSent, lastFollowUpAt: lastFollowUpAt, closedAt: closedAt, messageId: messageID, by: by)
    }
}

extension Reminder {
    var info: ReminderInfo {
        ReminderInfo(id: id, kind: kind.rawValue, text: text, contactId: contactID, outreachId: outreachID,
                     dueAt: dueAt, fireAt: fireAt, reason: reason, state: state.rawValue)
    }
}

extension InboxItem {
    var info: InboxItemInfo {
        InboxItemInfo(id: id, reminderId: reminderID, kind: kind.rawValue, text: text, contactId: contactID,
                      outreachId: outreachID, dueAt: dueAt, firedAt: firedAt, late: late, state: state.rawValue,
                      snoozedUntil: snoozedUntil)
    }
}

extension Meeting {
    /// `by`: on a team node, the team user who goes.
    func info(contactName: String, by: String? = nil) -> MeetingInfo {
        MeetingInfo(id: id, contactId: contactID, contactName: contactName, outreachId: outreachID, startsAt: startsAt,
                    endsAt: endsAt, place: place, notes: notes, by: by)
    }
}


extension ChannelInfo {
    init(name: String, health: ChannelHealth) {
        switch health {
        case .available: self.init(name: name, available: true, reason: nil)
        case .unavailable(let reason): self.init(name: name, available: false, reason: reason)
        }
    }
}

extension ContactFootprint {
    var info: ContactFootprintInfo {
        ContactFootprintInfo(outreach: outreach, interactions: interactions, meetings: meetings, reminders: reminders,
                             inboxItems: inboxItems, deliveries: deliveries)
    }
}

extension SnapshotEntry {
    var info: SnapshotInfo { SnapshotInfo(id: id, takenAt: takenAt, reason: reason, size: size) }
}
