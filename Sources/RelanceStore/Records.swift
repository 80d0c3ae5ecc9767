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
    var keepInTouch: Wait?
    var createdAt: Date
    var updatedAt: Date
    // v6: the fields address books carry (see `ContactDetails`).
    var phones: [String]
    var title: String?
    var department: String?
    var websites: [String]
    var givenName: String?
    var familyName: String?
    var birthday: String?
    var photo: String?
    var uid: String?

    /// A new row for a validated draft.
    init(draft: ContactDraft, now: Date) {
        id = nil; name = draft.name; emails = draft.emails; handles = draft.handles
        organization = draft.organization; timeZone = draft.timeZone; why = draft.why
        tags = draft.tags; notes = draft.notes; keepInTouch = draft.keepInTouch
        createdAt = now; updatedAt = now
        phones = []; websites = []
        details = draft.details
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Takes what an import or a synced card says of the contact; its name, cadence and
    /// history stay (the caller renames it when that is meant).
    mutating func update(from draft: ContactDraft, now: Date) {
        emails = draft.emails; handles = draft.handles; organization = draft.organization
        timeZone = draft.timeZone; why = draft.why; tags = draft.tags; notes = draft.notes
        details = draft.details
        updatedAt = now
    }

    /// The v6 columns as one value.
    var details: ContactDetails {
        get {
            ContactDetails(phones: phones, title: title, department: department, websites: websites, givenName: givenName,
                           familyName: familyName, birthday: birthday, photo: photo, uid: uid)
        }
        set {
            phones = newValue.phones; title = newValue.title; department = newValue.department
            websites = newValue.websites; givenName = newValue.givenName; familyName = newValue.familyName
            birthday = newValue.birthday; photo = newValue.photo; uid = newValue.uid
        }
    }

    var model: Contact {
        Contact(id: id!, name: name, emails: emails, handles: handles, organization: organization,
                timeZone: timeZone, why: why, tags: tags, notes: notes, keepInTouch: keepInTouch, createdAt: createdAt,
                details: details)
    }

    /// The row as a draft, for validation after a change.
    var draft: ContactDraft {
        ContactDraft(name: name, emails: emails, handles: handles, organization: organization, timeZone: timeZone,
                     why: why, tags: tags, notes: notes, keepInTouch: keepInTouch, details: details)
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
    /// The first wait, kept for the v1 schema's NOT NULL column.
    var followUpDelay: String
    var closedAt: Date?
    var policy: FollowUpPolicy
    var followUpsSent: Int
    var lastFollowUpAt: Date?
    /// v6: the original message's Message-ID.
    var messageId: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var model: Outreach {
        Outreach(id: id!, contactID: contactId, channel: channel, ask: ask, sentAt: sentAt, status: status,
                 policy: policy, followUpsSent: followUpsSent, lastFollowUpAt: lastFollowUpAt, closedAt: closedAt,
                 messageID: messageId)
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
    var fireAt: Date
    var reason: String
    var anchorAt: Date?
    var step: Int?
    var meetingId: Int64?
    var eventId: Int64?
    var offset: String?
    /// When the user moved it by hand; nil when its rule still decides its time.
    var movedAt: Date?

    init(kind: ReminderKind, text: String, contactId: Int64? = nil, outreachId: Int64? = nil, planned: PlannedTime,
         anchorAt: Date? = nil, step: Int? = nil, meetingId: Int64? = nil, eventId: Int64? = nil, offset: String? = nil,
         resurfacesInboxId: Int64? = nil) {
        self.kind = kind; self.text = text; self.contactId = contactId; self.outreachId = outreachId
        self.dueAt = planned.dueAt; self.fireAt = planned.fireAt; self.reason = planned.reason
        self.state = .pending; self.anchorAt = anchorAt; self.step = step; self.meetingId = meetingId
        self.eventId = eventId; self.offset = offset; self.resurfacesInboxId = resurfacesInboxId
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Read column by column rather than through `Decodable`: a firing reads every fired
    /// row, and the keyed decoding container was a third of a 1 000-row burst (issue #15).
    init(row: Row) throws {
        func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        func value<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
            let raw: String = row[column]
            guard let value = T(rawValue: raw) else {
                throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "reminder.\(column): unknown value '\(raw)'")
            }
            return value
        }
        id = row["id"]
        kind = try value("kind", as: ReminderKind.self)
        text = row["text"]
        contactId = row["contactId"]
        outreachId = row["outreachId"]
        dueAt = date("dueAt")!
        state = try value("state", as: ReminderState.self)
        firedAt = date("firedAt")
        resurfacesInboxId = row["resurfacesInboxId"]
        fireAt = date("fireAt")!
        reason = row["reason"]
        anchorAt = date("anchorAt")
        step = row["step"]
        meetingId = row["meetingId"]
        eventId = row["eventId"]
        offset = row["offset"]
        movedAt = date("movedAt")
    }

    var scheduled: ScheduledReminder { ScheduledReminder(id: id!, due: fireAt) }

    var model: Reminder {
        Reminder(id: id!, kind: kind, text: text, contactID: contactId, outreachID: outreachId,
                 dueAt: dueAt, fireAt: fireAt, reason: reason, state: state, firedAt: firedAt,
                 resurfacesInboxID: resurfacesInboxId)
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

struct InteractionRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "interaction"
    var id: Int64?
    var contactId: Int64
    var outreachId: Int64?
    var kind: String
    var at: Date
    var note: String?
}

struct MeetingRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "meeting"
    var id: Int64?
    var contactId: Int64
    var outreachId: Int64?
    var startsAt: Date
    var endsAt: Date
    var place: String
    var notes: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    var model: Meeting {
        Meeting(id: id!, contactID: contactId, outreachID: outreachId, startsAt: startsAt, endsAt: endsAt, place: place, notes: notes)
    }
}

struct EventRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "event"
    var id: Int64?
    var uid: String
    var title: String
    var start: String
    var timeZone: String
    var durationSeconds: Double
    var place: String?
    var url: String?
    var details: String?
    var rsvpBy: Date?
    var recurrence: EventRecurrence?
    var reminders: [ISODuration]
    var createdAt: Date
    var occurrenceId: String?
    var sequence: Int = 0
    var revisedAt: Date?
    /// A whole-day event (iCalendar VALUE=DATE).
    var allDay: Bool = false

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Wait: DatabaseValueConvertible {
    public var databaseValue: DatabaseValue { description.databaseValue }
    public static func fromDatabaseValue(_ dbValue: DatabaseValue) -> Wait? {
        String.fromDatabaseValue(dbValue).flatMap { try? Wait(parsing: $0) }
    }
}

extension OutreachStatus: DatabaseValueConvertible {}
extension ReminderKind: DatabaseValueConvertible {}
extension ReminderState: DatabaseValueConvertible {}
extension InboxState: DatabaseValueConvertible {}
