import Foundation

// The record types of io.relance.Control, field for field as in the IDL.

/// A person you write to.
public struct ContactInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var emails: [String]
    public var handles: [String: String]
    public var organization: String?
    public var timeZone: String?
    public var why: String?
    public var tags: [String]
    public var notes: String?
    public var keepInTouch: String?
    public var createdAt: Date

    public init(id: Int64, name: String, emails: [String], handles: [String: String], organization: String?,
                timeZone: String?, why: String?, tags: [String], notes: String?, keepInTouch: String?, createdAt: Date) {
        self.id = id; self.name = name; self.emails = emails; self.handles = handles
        self.organization = organization; self.timeZone = timeZone; self.why = why
        self.tags = tags; self.notes = notes; self.keepInTouch = keepInTouch; self.createdAt = createdAt
    }
}

/// One ask sent to one contact.
public struct OutreachInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var contactId: Int64
    public var contactName: String
    public var channel: String
    public var ask: String
    public var sentAt: Date
    /// awaiting_reply, replied, declined, meeting_agreed, closed, no_reply.
    public var status: String
    public var steps: [String]
    public var letGo: String?
    public var followUpsSent: Int
    public var lastFollowUpAt: Date?
    public var closedAt: Date?

    public init(id: Int64, contactId: Int64, contactName: String, channel: String, ask: String, sentAt: Date,
                status: String, steps: [String], letGo: String?, followUpsSent: Int, lastFollowUpAt: Date?, closedAt: Date?) {
        self.id = id; self.contactId = contactId; self.contactName = contactName; self.channel = channel
        self.ask = ask; self.sentAt = sentAt; self.status = status; self.steps = steps; self.letGo = letGo
        self.followUpsSent = followUpsSent; self.lastFollowUpAt = lastFollowUpAt; self.closedAt = closedAt
    }
}

/// Something to tell you at a given instant.
public struct ReminderInfo: Codable, Sendable, Equatable {
    public var id: Int64
    /// follow_up or custom.
    public var kind: String
    public var text: String
    public var contactId: Int64?
    public var outreachId: Int64?
    public var dueAt: Date
    public var fireAt: Date
    public var reason: String
    /// pending, fired or cancelled.
    public var state: String

    public init(id: Int64, kind: String, text: String, contactId: Int64?, outreachId: Int64?, dueAt: Date,
                fireAt: Date, reason: String, state: String) {
        self.id = id; self.kind = kind; self.text = text; self.contactId = contactId
        self.outreachId = outreachId; self.dueAt = dueAt; self.fireAt = fireAt; self.reason = reason; self.state = state
    }
}

/// A fired reminder in the notification inbox.
public struct InboxItemInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var reminderId: Int64
    public var kind: String
    public var text: String
    public var contactId: Int64?
    public var outreachId: Int64?
    public var dueAt: Date
    public var firedAt: Date
    public var late: Bool
    /// unread, read, done, snoozed or dismissed.
    public var state: String
    public var snoozedUntil: Date?
    public var deliveries: [DeliveryInfo]

    public init(id: Int64, reminderId: Int64, kind: String, text: String, contactId: Int64?, outreachId: Int64?,
                dueAt: Date, firedAt: Date, late: Bool, state: String, snoozedUntil: Date?, deliveries: [DeliveryInfo] = []) {
        self.id = id; self.reminderId = reminderId; self.kind = kind; self.text = text
        self.contactId = contactId; self.outreachId = outreachId; self.dueAt = dueAt; self.firedAt = firedAt
        self.late = late; self.state = state; self.snoozedUntil = snoozedUntil; self.deliveries = deliveries
    }
}

/// How long to wait: an ISO 8601 duration or business days (give one).
public struct WaitInfo: Codable, Sendable, Equatable {
    public var duration: String?
    public var businessDays: Int?
    public init(duration: String? = nil, businessDays: Int? = nil) { self.duration = duration; self.businessDays = businessDays }
}

/// A meeting you accepted.
public struct MeetingInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var contactId: Int64
    public var contactName: String
    public var outreachId: Int64?
    public var startsAt: Date
    public var endsAt: Date
    public var place: String
    public var notes: String?
    public init(id: Int64, contactId: Int64, contactName: String, outreachId: Int64?, startsAt: Date, endsAt: Date,
                place: String, notes: String?) {
        self.id = id; self.contactId = contactId; self.contactName = contactName; self.outreachId = outreachId
        self.startsAt = startsAt; self.endsAt = endsAt; self.place = place; self.notes = notes
    }
}

/// A networking event.
public struct EventInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var uid: String
    public var title: String
    public var start: String
    public var timeZone: String
    public var duration: String
    public var place: String?
    public var url: String?
    public var rsvpBy: Date?
    public var rrule: String?
    public var exdates: [String]
    public var rdates: [String]
    public var reminders: [String]
    public var nextOccurrences: [Date]
    public init(id: Int64, uid: String, title: String, start: String, timeZone: String, duration: String, place: String?,
                url: String?, rsvpBy: Date?, rrule: String?, exdates: [String], rdates: [String], reminders: [String],
                nextOccurrences: [Date]) {
        self.id = id; self.uid = uid; self.title = title; self.start = start; self.timeZone = timeZone
        self.duration = duration; self.place = place; self.url = url; self.rsvpBy = rsvpBy; self.rrule = rrule
        self.exdates = exdates; self.rdates = rdates; self.reminders = reminders; self.nextOccurrences = nextOccurrences
    }
}

/// One channel's delivery of an inbox item.
public struct DeliveryInfo: Codable, Sendable, Equatable {
    public var channel: String
    public var state: String
    public var attempts: Int
    public var lastAttemptAt: Date?
    public var sentAt: Date?
    public var lastError: String?
    public var digest: Bool
    public init(channel: String, state: String, attempts: Int, lastAttemptAt: Date?, sentAt: Date?, lastError: String?, digest: Bool) {
        self.channel = channel; self.state = state; self.attempts = attempts; self.lastAttemptAt = lastAttemptAt
        self.sentAt = sentAt; self.lastError = lastError; self.digest = digest
    }
}

/// A delivery channel's health.
public struct ChannelInfo: Codable, Sendable, Equatable {
    public var name: String
    public var available: Bool
    public var reason: String?
    public init(name: String, available: Bool, reason: String?) { self.name = name; self.available = available; self.reason = reason }
}
