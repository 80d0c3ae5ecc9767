import Foundation

// One type per method of io.relance.Control; parameters and replies as in the IDL.

public enum AddContact: ControlMethod {
    public static let name = "AddContact"
    public struct Parameters: Codable, Sendable, Equatable {
        public var name: String
        public var emails: [String]?
        public var handles: [String: String]?
        public var organization: String?
        public var timeZone: String?
        public var why: String?
        public var tags: [String]?
        public var notes: String?
        public init(name: String, emails: [String]? = nil, handles: [String: String]? = nil, organization: String? = nil,
                    timeZone: String? = nil, why: String? = nil, tags: [String]? = nil, notes: String? = nil) {
            self.name = name; self.emails = emails; self.handles = handles; self.organization = organization
            self.timeZone = timeZone; self.why = why; self.tags = tags; self.notes = notes
        }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var contact: ContactInfo
        public init(contact: ContactInfo) { self.contact = contact }
    }
}

public enum ListContacts: ControlMethod {
    public static let name = "ListContacts"
    public struct Parameters: Codable, Sendable, Equatable {
        public var query: String?
        public init(query: String? = nil) { self.query = query }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var contacts: [ContactInfo]
        public init(contacts: [ContactInfo]) { self.contacts = contacts }
    }
}

public enum GetContact: ControlMethod {
    public static let name = "GetContact"
    public struct Parameters: Codable, Sendable, Equatable {
        public var contact: String
        public init(contact: String) { self.contact = contact }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var contact: ContactInfo
        public var outreach: [OutreachInfo]
        public init(contact: ContactInfo, outreach: [OutreachInfo]) { self.contact = contact; self.outreach = outreach }
    }
}

public enum LogOutreach: ControlMethod {
    public static let name = "LogOutreach"
    public struct Parameters: Codable, Sendable, Equatable {
        public var contact: String
        public var ask: String
        public var channel: String?
        public var sentAt: Date?
        public var followUp: String?
        public init(contact: String, ask: String, channel: String? = nil, sentAt: Date? = nil, followUp: String? = nil) {
            self.contact = contact; self.ask = ask; self.channel = channel; self.sentAt = sentAt; self.followUp = followUp
        }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var outreach: OutreachInfo
        public var followUp: ReminderInfo
        public init(outreach: OutreachInfo, followUp: ReminderInfo) { self.outreach = outreach; self.followUp = followUp }
    }
}

public enum ListOutreach: ControlMethod {
    public static let name = "ListOutreach"
    public struct Parameters: Codable, Sendable, Equatable {
        public var contact: String?
        public var status: String?
        public init(contact: String? = nil, status: String? = nil) { self.contact = contact; self.status = status }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var outreach: [OutreachInfo]
        public init(outreach: [OutreachInfo]) { self.outreach = outreach }
    }
}

public enum RecordReply: ControlMethod {
    public static let name = "RecordReply"
    public struct Parameters: Codable, Sendable, Equatable {
        public var outreach: Int64
        /// replied, declined, meeting or closed.
        public var outcome: String
        public var at: Date?
        public init(outreach: Int64, outcome: String, at: Date? = nil) { self.outreach = outreach; self.outcome = outcome; self.at = at }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var outreach: OutreachInfo
        public var cancelledReminders: Int
        public init(outreach: OutreachInfo, cancelledReminders: Int) { self.outreach = outreach; self.cancelledReminders = cancelledReminders }
    }
}

public enum Remind: ControlMethod {
    public static let name = "Remind"
    public struct Parameters: Codable, Sendable, Equatable {
        public var at: Date
        public var text: String
        public var contact: String?
        public init(at: Date, text: String, contact: String? = nil) { self.at = at; self.text = text; self.contact = contact }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var reminder: ReminderInfo
        public init(reminder: ReminderInfo) { self.reminder = reminder }
    }
}

public enum Upcoming: ControlMethod {
    public static let name = "Upcoming"
    public struct Parameters: Codable, Sendable, Equatable {
        public var limit: Int?
        public init(limit: Int? = nil) { self.limit = limit }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var reminders: [ReminderInfo]
        public init(reminders: [ReminderInfo]) { self.reminders = reminders }
    }
}

public enum Inbox: ControlMethod {
    public static let name = "Inbox"
    public struct Parameters: Codable, Sendable, Equatable {
        /// open (default), unread or all.
        public var filter: String?
        public var limit: Int?
        public init(filter: String? = nil, limit: Int? = nil) { self.filter = filter; self.limit = limit }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var items: [InboxItemInfo]
        public init(items: [InboxItemInfo]) { self.items = items }
    }
}

public enum MarkRead: ControlMethod {
    public static let name = "MarkRead"
    public struct Parameters: Codable, Sendable, Equatable {
        public var ids: [Int64]
        public init(ids: [Int64]) { self.ids = ids }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var items: [InboxItemInfo]
        public init(items: [InboxItemInfo]) { self.items = items }
    }
}

/// Parameters naming one inbox item.
public struct InboxItemReference: Codable, Sendable, Equatable {
    public var id: Int64
    public init(id: Int64) { self.id = id }
}

/// A reply carrying one inbox item.
public struct InboxItemReply: Codable, Sendable, Equatable {
    public var item: InboxItemInfo
    public init(item: InboxItemInfo) { self.item = item }
}

public enum Done: ControlMethod {
    public static let name = "Done"
    public typealias Parameters = InboxItemReference
    public typealias Reply = InboxItemReply
}

public enum Dismiss: ControlMethod {
    public static let name = "Dismiss"
    public typealias Parameters = InboxItemReference
    public typealias Reply = InboxItemReply
}

public enum Snooze: ControlMethod {
    public static let name = "Snooze"
    public struct Parameters: Codable, Sendable, Equatable {
        public var id: Int64
        public var duration: String?
        public var until: Date?
        public init(id: Int64, duration: String? = nil, until: Date? = nil) { self.id = id; self.duration = duration; self.until = until }
    }
    public typealias Reply = InboxItemReply
}

public enum Watch: ControlMethod {
    public static let name = "Watch"
    public typealias Parameters = Empty
    public typealias Reply = InboxItemReply
}

public enum Status: ControlMethod {
    public static let name = "Status"
    public typealias Parameters = Empty
    public struct Reply: Codable, Sendable, Equatable {
        public var version: String
        public var startedAt: Date
        public var contacts: Int
        public var awaitingReply: Int
        public var pendingReminders: Int
        public var unread: Int
        public var nextDueAt: Date?
        public var nextDueText: String?
        public var database: String
        public init(version: String, startedAt: Date, contacts: Int, awaitingReply: Int, pendingReminders: Int,
                    unread: Int, nextDueAt: Date?, nextDueText: String?, database: String) {
            self.version = version; self.startedAt = startedAt; self.contacts = contacts
            self.awaitingReply = awaitingReply; self.pendingReminders = pendingReminders; self.unread = unread
            self.nextDueAt = nextDueAt; self.nextDueText = nextDueText; self.database = database
        }
    }
}

public enum Reload: ControlMethod {
    public static let name = "Reload"
    public typealias Parameters = Empty
    public typealias Reply = Empty
}
