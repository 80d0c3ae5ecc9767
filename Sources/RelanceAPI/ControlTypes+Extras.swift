import Foundation

// Hand-written additions to the types scripts/generate-api writes into ControlTypes.swift
// and ControlMethods.swift. Those two files are pure output of the IDL; anything that is
// not in the IDL lives here.

extension InboxItemInfo {
    /// An item without deliveries yet: the daemon maps a stored item first and adds how
    /// it reached you, channel by channel, where it has them.
    public init(id: Int64, reminderId: Int64, kind: String, text: String, contactId: Int64?, outreachId: Int64?,
                dueAt: Date, firedAt: Date, late: Bool, state: String, snoozedUntil: Date?) {
        self.init(id: id, reminderId: reminderId, kind: kind, text: text, contactId: contactId, outreachId: outreachId,
                  dueAt: dueAt, firedAt: firedAt, late: late, state: state, snoozedUntil: snoozedUntil, deliveries: [])
    }
}
