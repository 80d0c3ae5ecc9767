import RelanceAPI
import RelanceCore

// Core values to their wire form (field for field as in the IDL).

extension Contact {
    var info: ContactInfo {
        ContactInfo(id: id, name: name, emails: emails, handles: handles, organization: organization,
                    timeZone: timeZone, why: why, tags: tags, notes: notes, createdAt: createdAt)
    }
}

extension Outreach {
    func info(contactName: String) -> OutreachInfo {
        OutreachInfo(id: id, contactId: contactID, contactName: contactName, channel: channel, ask: ask, sentAt: sentAt,
                     status: status.rawValue, followUpDelay: followUpDelay.description, closedAt: closedAt)
    }
}

extension Reminder {
    var info: ReminderInfo {
        ReminderInfo(id: id, kind: kind.rawValue, text: text, contactId: contactID, outreachId: outreachID,
                     dueAt: dueAt, state: state.rawValue)
    }
}

extension InboxItem {
    var info: InboxItemInfo {
        InboxItemInfo(id: id, reminderId: reminderID, kind: kind.rawValue, text: text, contactId: contactID,
                      outreachId: outreachID, dueAt: dueAt, firedAt: firedAt, late: late, state: state.rawValue,
                      snoozedUntil: snoozedUntil)
    }
}
