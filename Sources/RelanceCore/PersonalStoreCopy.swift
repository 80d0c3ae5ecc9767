import Foundation

/// What a personal store holds that a team store can take (`relancectl migrate`, issue
/// #16): its contacts, its outreach and its pending reminders, read at one instant.
public struct PersonalStoreCopy: Sendable {
    /// The store's identity, stable for the file and its copies: its random Message-ID
    /// namespace (`bookkeeping`, schema v6). A team store records what it copied under it.
    public var identity: String
    public var contacts: [Contact]
    public var outreach: [Outreach]
    /// Every meeting (cancelled ones are deleted there), by id.
    public var meetings: [Meeting]
    /// Pending reminders, by id.
    public var reminders: [PendingReminder]
    /// Every networking event (a cancelled one is deleted there), by id.
    public var events: [NetworkingEvent]

    /// A pending reminder with its place in a follow-up sequence (nil for others).
    public struct PendingReminder: Sendable, Hashable {
        public var reminder: Reminder
        public var step: Int?
        /// What a follow-up step is counted from (re-planning reads it).
        public var anchor: Date?
        /// When a person moved it by hand (re-planning leaves it there).
        public var movedAt: Date?
        /// The meeting it reminds of (the day before, before leaving, the thank-you note).
        public var meetingID: Int64?
        /// The event it reminds of, and its lead (an occurrence's reminders are planned once).
        public var eventID: Int64?
        public var leadOffset: String?
        /// True for a snooze (it brings an inbox item back rather than saying something new).
        public var isSnooze: Bool { reminder.resurfacesInboxID != nil }

        public init(reminder: Reminder, step: Int?, anchor: Date? = nil, movedAt: Date? = nil, meetingID: Int64? = nil,
                    eventID: Int64? = nil, leadOffset: String? = nil) {
            self.reminder = reminder; self.step = step; self.anchor = anchor; self.movedAt = movedAt; self.meetingID = meetingID
            self.eventID = eventID; self.leadOffset = leadOffset
        }
    }

    public init(identity: String, contacts: [Contact], outreach: [Outreach], meetings: [Meeting] = [],
                reminders: [PendingReminder], events: [NetworkingEvent] = []) {
        self.identity = identity; self.contacts = contacts; self.outreach = outreach; self.meetings = meetings
        self.reminders = reminders; self.events = events
    }
}
