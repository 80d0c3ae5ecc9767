import Foundation
import GRDB
import RelanceCore

// Row types: one per table, converted to and from the core's value types. Dates are
// stored as seconds since 1970 (REAL), which keeps sub-millisecond precision and sorts.

/// Stores `Date` columns as seconds since 1970.
protocol TimestampedRecord: FetchableRecord, EncodableRecord {}
extension TimestampedRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { .timeIntervalSince1970 }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { .timeIntervalSince1970 }
}

struct ContactRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "contact"
    var id: Int64?
    var name: String
    var emails: [String]
    var handles: [String: String]
    var organization: String?
    var timeZone: String?
    var why: String?
    var tags: [String]
    var notes: String?
    var createdAt: Date
    var updatedAt: Date

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var model: Contact {
        Contact(id: id!, name: name, emails: emails, handles: handles, organization: organization,
                timeZone: timeZone, why: why, tags: tags, notes: notes, createdAt: createdAt)
    }
}

struct OutreachRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "outreach"
    var id: Int64?
    var contactId: Int64
    var channel: String
    var ask: String
    var sentAt: Date
    var status: OutreachStatus
    var followUpDelay: String
    var closedAt: Date?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var model: Outreach {
        Outreach(id: id!, contactID: contactId, channel: channel, ask: ask, sentAt: sentAt, status: status,
                 followUpDelay: (try? ISODuration(parsing: followUpDelay)) ?? FollowUpPolicy.standard.delay,
                 closedAt: closedAt)
    }
}

struct ReminderRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "reminder"
    var id: Int64?
    var kind: ReminderKind
    var text: String
    var contactId: Int64?
    var outreachId: Int64?
    var dueAt: Date
    var state: ReminderState
    var firedAt: Date?
    var resurfacesInboxId: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var model: Reminder {
        Reminder(id: id!, kind: kind, text: text, contactID: contactId, outreachID: outreachId,
                 dueAt: dueAt, state: state, firedAt: firedAt, resurfacesInboxID: resurfacesInboxId)
    }
}

struct InboxItemRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "inboxItem"
    var id: Int64?
    var reminderId: Int64
    var kind: ReminderKind
    var text: String
    var contactId: Int64?
    var outreachId: Int64?
    var dueAt: Date
    var firedAt: Date
    var late: Bool
    var state: InboxState
    var snoozedUntil: Date?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var model: InboxItem {
        InboxItem(id: id!, reminderID: reminderId, kind: kind, text: text, contactID: contactId,
                  outreachID: outreachId, dueAt: dueAt, firedAt: firedAt, late: late, state: state,
                  snoozedUntil: snoozedUntil)
    }
}

extension OutreachStatus: DatabaseValueConvertible {}
extension ReminderKind: DatabaseValueConvertible {}
extension ReminderState: DatabaseValueConvertible {}
extension InboxState: DatabaseValueConvertible {}
