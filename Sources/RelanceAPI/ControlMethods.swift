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
        public var keepInTouch: String?
        public init(name: String, emails: [String]? = nil, handles: [String: String]? = nil, organization: String? = nil,
                    timeZone: String? = nil, why: String? = nil, tags: [String]? = nil, notes: String? = nil,
                    keepInTouch: String? = nil) {
            self.name = name; self.emails = emails; self.handles = handles; self.organization = organization
            self.timeZone = timeZone; self.why = why; self.tags = tags; self.notes = notes; self.keepInTouch = keepInTouch
        }
    }
    public typealias Reply = ContactReply
}

/// A reply carrying one contact.
public struct ContactReply: Codable, Sendable, Equatable {
    public var contact: ContactInfo
    public init(contact: ContactInfo) { self.contact = contact }
}

public enum UpdateContact: ControlMethod {
    public static let name = "UpdateContact"
    public struct Parameters: Codable, Sendable, Equatable {
        public var contact: String
        public var name: String?
        public var emails: [String]?
        public var handles: [String: String]?
        public var organization: String?
        public var timeZone: String?
        public var why: String?
        public var tags: [String]?
        public var notes: String?
        public var keepInTouch: String?
        public init(contact: String, name: String? = nil, emails: [String]? = nil, handles: [String: String]? = nil,
                    organization: String? = nil, timeZone: String? = nil, why: String? = nil, tags: [String]? = nil,
                    notes: String? = nil, keepInTouch: String? = nil) {
            self.contact = contact; self.name = name; self.emails = emails; self.handles = handles
            self.organization = organization; self.timeZone = timeZone; self.why = why; self.tags = tags
            self.notes = notes; self.keepInTouch = keepInTouch
        }
    }
    public typealias Reply = ContactReply
}

public enum TouchContact: ControlMethod {
    public static let name = "TouchContact"
    public struct Parameters: Codable, Sendable, Equatable {
        public var contact: String
        public var at: Date?
        public var note: String?
        public init(contact: String, at: Date? = nil, note: String? = nil) { self.contact = contact; self.at = at; self.note = note }
    }
    public typealias Reply = ContactReply
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
        public var policy: String?
        public var steps: [WaitInfo]?
        public var letGo: WaitInfo?
        public var neverLetGo: Bool?
        public init(contact: String, ask: String, channel: String? = nil, sentAt: Date? = nil, followUp: String? = nil,
                    policy: String? = nil, steps: [WaitInfo]? = nil, letGo: WaitInfo? = nil, neverLetGo: Bool? = nil) {
            self.contact = contact; self.ask = ask; self.channel = channel; self.sentAt = sentAt; self.followUp = followUp
            self.policy = policy; self.steps = steps; self.letGo = letGo; self.neverLetGo = neverLetGo
        }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var outreach: OutreachInfo
        public var followUp: ReminderInfo?
        public init(outreach: OutreachInfo, followUp: ReminderInfo?) { self.outreach = outreach; self.followUp = followUp }
    }
}

public enum LogFollowUp: ControlMethod {
    public static let name = "LogFollowUp"
    public struct Parameters: Codable, Sendable, Equatable {
        public var outreach: Int64
        public var at: Date?
        public var note: String?
        public init(outreach: Int64, at: Date? = nil, note: String? = nil) { self.outreach = outreach; self.at = at; self.note = note }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var outreach: OutreachInfo
        public var next: ReminderInfo?
        public init(outreach: OutreachInfo, next: ReminderInfo?) { self.outreach = outreach; self.next = next }
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
        public var meetingAt: Date?
        public var place: String?
        public var duration: String?
        public init(outreach: Int64, outcome: String, at: Date? = nil, meetingAt: Date? = nil, place: String? = nil,
                    duration: String? = nil) {
            self.outreach = outreach; self.outcome = outcome; self.at = at; self.meetingAt = meetingAt
            self.place = place; self.duration = duration
        }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var outreach: OutreachInfo
        public var cancelledReminders: Int
        public var meeting: MeetingInfo?
        public init(outreach: OutreachInfo, cancelledReminders: Int, meeting: MeetingInfo?) {
            self.outreach = outreach; self.cancelledReminders = cancelledReminders; self.meeting = meeting
        }
    }
}

public enum AddMeeting: ControlMethod {
    public static let name = "AddMeeting"
    public struct Parameters: Codable, Sendable, Equatable {
        public var contact: String
        public var at: Date
        public var place: String
        public var duration: String?
        public var outreach: Int64?
        public var notes: String?
        public init(contact: String, at: Date, place: String, duration: String? = nil, outreach: Int64? = nil, notes: String? = nil) {
            self.contact = contact; self.at = at; self.place = place; self.duration = duration
            self.outreach = outreach; self.notes = notes
        }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var meeting: MeetingInfo
        public var reminders: [ReminderInfo]
        public init(meeting: MeetingInfo, reminders: [ReminderInfo]) { self.meeting = meeting; self.reminders = reminders }
    }
}

public enum ListMeetings: ControlMethod {
    public static let name = "ListMeetings"
    public typealias Parameters = Empty
    public struct Reply: Codable, Sendable, Equatable {
        public var meetings: [MeetingInfo]
        public init(meetings: [MeetingInfo]) { self.meetings = meetings }
    }
}

public enum AddEvent: ControlMethod {
    public static let name = "AddEvent"
    public struct Parameters: Codable, Sendable, Equatable {
        public var title: String
        public var start: String
        public var timeZone: String?
        public var until: String?
        public var duration: String?
        public var place: String?
        public var url: String?
        public var rsvpBy: Date?
        public var rrule: String?
        public var exdates: [String]?
        public var rdates: [String]?
        public var reminders: [String]?
        public var uid: String?
        public init(title: String, start: String, timeZone: String? = nil, until: String? = nil, duration: String? = nil,
                    place: String? = nil, url: String? = nil, rsvpBy: Date? = nil, rrule: String? = nil,
                    exdates: [String]? = nil, rdates: [String]? = nil, reminders: [String]? = nil, uid: String? = nil) {
            self.title = title; self.start = start; self.timeZone = timeZone; self.until = until; self.duration = duration
            self.place = place; self.url = url; self.rsvpBy = rsvpBy; self.rrule = rrule; self.exdates = exdates
            self.rdates = rdates; self.reminders = reminders; self.uid = uid
        }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var event: EventInfo
        public var reminders: [ReminderInfo]
        public init(event: EventInfo, reminders: [ReminderInfo]) { self.event = event; self.reminders = reminders }
    }
}

public enum ListEvents: ControlMethod {
    public static let name = "ListEvents"
    public typealias Parameters = Empty
    public struct Reply: Codable, Sendable, Equatable {
        public var events: [EventInfo]
        public init(events: [EventInfo]) { self.events = events }
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
        public var until: Date?
        public init(limit: Int? = nil, until: Date? = nil) { self.limit = limit; self.until = until }
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
        public var since: Date?
        public init(filter: String? = nil, limit: Int? = nil, since: Date? = nil) {
            self.filter = filter; self.limit = limit; self.since = since
        }
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
        public var nextWindow: Bool?
        public init(id: Int64, duration: String? = nil, until: Date? = nil, nextWindow: Bool? = nil) {
            self.id = id; self.duration = duration; self.until = until; self.nextWindow = nextWindow
        }
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
        public var timeZone: String
        public var channels: [ChannelInfo]
        public init(version: String, startedAt: Date, contacts: Int, awaitingReply: Int, pendingReminders: Int,
                    unread: Int, nextDueAt: Date?, nextDueText: String?, database: String, timeZone: String,
                    channels: [ChannelInfo]) {
            self.timeZone = timeZone
            self.channels = channels
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

public enum TestNotify: ControlMethod {
    public static let name = "TestNotify"
    public struct Parameters: Codable, Sendable, Equatable {
        public var channel: String?
        public init(channel: String? = nil) { self.channel = channel }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var results: [ChannelInfo]
        public init(results: [ChannelInfo]) { self.results = results }
    }
}

public enum Draft: ControlMethod {
    public static let name = "Draft"
    public struct Parameters: Codable, Sendable, Equatable {
        public var outreach: Int64
        public init(outreach: Int64) { self.outreach = outreach }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var subject: String
        public var body: String
        public var template: String
        public init(subject: String, body: String, template: String) { self.subject = subject; self.body = body; self.template = template }
    }
}

public enum Backup: ControlMethod {
    public static let name = "Backup"
    public typealias Parameters = Empty
    public struct Reply: Codable, Sendable, Equatable {
        public var snapshot: String
        public init(snapshot: String) { self.snapshot = snapshot }
    }
}

public enum Restore: ControlMethod {
    public static let name = "Restore"
    public struct Parameters: Codable, Sendable, Equatable {
        public var snapshot: String?
        public var path: String?
        public var force: Bool?
        public init(snapshot: String? = nil, path: String? = nil, force: Bool? = nil) {
            self.snapshot = snapshot; self.path = path; self.force = force
        }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var contacts: Int
        public var pendingReminders: Int
        public init(contacts: Int, pendingReminders: Int) { self.contacts = contacts; self.pendingReminders = pendingReminders }
    }
}

/// A file to import.
public struct ImportFileInfo: Codable, Sendable, Equatable {
    public var name: String
    public var path: String?
    public var content: String?
    public init(name: String, path: String? = nil, content: String? = nil) { self.name = name; self.path = path; self.content = content }
}

/// What an import did (or would do).
public struct ImportReportInfo: Codable, Sendable, Equatable {
    public var added: Int
    public var merged: Int
    public var skipped: Int
    public var rejected: Int
    public var lines: [String]
    public var rejections: [String]
    public var applied: Bool
    public init(added: Int, merged: Int, skipped: Int, rejected: Int, lines: [String], rejections: [String], applied: Bool) {
        self.added = added; self.merged = merged; self.skipped = skipped; self.rejected = rejected
        self.lines = lines; self.rejections = rejections; self.applied = applied
    }
}

/// A reply carrying an import report.
public struct ImportReply: Codable, Sendable, Equatable {
    public var report: ImportReportInfo
    public init(report: ImportReportInfo) { self.report = report }
}

public enum ImportContacts: ControlMethod {
    public static let name = "ImportContacts"
    public struct Parameters: Codable, Sendable, Equatable {
        public var files: [ImportFileInfo]
        public var format: String?
        public var map: [String: String]?
        public var dryRun: Bool?
        public var skipInvalid: Bool?
        public init(files: [ImportFileInfo], format: String? = nil, map: [String: String]? = nil, dryRun: Bool? = nil,
                    skipInvalid: Bool? = nil) {
            self.files = files; self.format = format; self.map = map; self.dryRun = dryRun; self.skipInvalid = skipInvalid
        }
    }
    public typealias Reply = ImportReply
}

public enum ImportEvents: ControlMethod {
    public static let name = "ImportEvents"
    public struct Parameters: Codable, Sendable, Equatable {
        public var files: [ImportFileInfo]
        public var dryRun: Bool?
        public init(files: [ImportFileInfo], dryRun: Bool? = nil) { self.files = files; self.dryRun = dryRun }
    }
    public typealias Reply = ImportReply
}

public enum Export: ControlMethod {
    public static let name = "Export"
    public struct Parameters: Codable, Sendable, Equatable {
        public var format: String
        public init(format: String) { self.format = format }
    }
    public struct Reply: Codable, Sendable, Equatable {
        public var text: String
        public init(text: String) { self.text = text }
    }
}
