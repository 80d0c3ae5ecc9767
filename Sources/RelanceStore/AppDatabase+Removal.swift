import Foundation
import GRDB
import RelanceCore

/// What belongs to a contact: row counts of what a removal takes with it, or a merge
/// moves over.
public struct ContactFootprint: Sendable, Equatable {
    public var outreach = 0
    public var interactions = 0
    public var meetings = 0
    /// Reminders in any state (pending, fired, cancelled).
    public var reminders = 0
    public var inboxItems = 0
    /// Deliveries of those inbox items (their attempts go with them).
    public var deliveries = 0

    public init(outreach: Int = 0, interactions: Int = 0, meetings: Int = 0, reminders: Int = 0,
                inboxItems: Int = 0, deliveries: Int = 0) {
        self.outreach = outreach; self.interactions = interactions; self.meetings = meetings
        self.reminders = reminders; self.inboxItems = inboxItems; self.deliveries = deliveries
    }
}

extension AppDatabase {
    /// Removes a contact and everything about it — outreach, interactions, meetings,
    /// reminders, inbox items and their deliveries — in ONE transaction. Refuses
    /// (`StoreError.openOutreach`, nothing changed) while one of its outreach attempts
    /// awaits a reply, unless `force`.
    ///
    /// Every row is deleted explicitly: the schema's foreign keys would cascade some but
    /// only unlink others (`ON DELETE SET NULL` on a reminder's or inbox item's contact),
    /// leaving a keep-in-touch reminder to fire about nobody.
    public func removeContact(id: Int64, force: Bool) throws -> (Contact, ContactFootprint) {
        try writer.write { db in
            let contact = try Self.contact(db, id: id)
            if !force {
                let open = try Int64.fetchAll(db, sql: "SELECT id FROM outreach WHERE contactId = ? AND status = ? ORDER BY id",
                                              arguments: [id, OutreachStatus.awaitingReply.rawValue])
                if !open.isEmpty { throw StoreError.openOutreach(contact: contact.name, ids: open) }
            }
            let rows = try Self.rows(db, about: id)
            try db.execute(sql: "DELETE FROM delivery WHERE id IN (SELECT value FROM json_each(?))", arguments: [rows.deliveries.json])
            try db.execute(sql: "DELETE FROM reminder WHERE id IN (SELECT value FROM json_each(?))", arguments: [rows.reminders.json])
            try db.execute(sql: "DELETE FROM inboxItem WHERE id IN (SELECT value FROM json_each(?))", arguments: [rows.inboxItems.json])
            try db.execute(sql: "DELETE FROM interaction WHERE contactId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM meeting WHERE contactId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM outreach WHERE contactId = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM contact WHERE id = ?", arguments: [id])
            return (contact, rows.footprint)
        }
    }

    /// Merges contact `mergedID` into `keptID` in ONE transaction: its outreach,
    /// interactions, meetings, reminders and inbox items are re-pointed to the kept
    /// contact, the fields are combined by `ContactIdentity.merge`, the merged contact is
    /// deleted, and the kept one's keep-in-touch is re-planned (its follow-ups too, when
    /// the merge gave it a time zone).
    public func mergeContacts(keptID: Int64, mergedID: Int64, now: Date, rules: TimingRules) throws -> (Contact, ContactFootprint, merged: Contact) {
        guard keptID != mergedID else {
            throw StoreError.invalidState(what: "from", reason: "a contact cannot be merged into itself")
        }
        return try writer.write { db in
            let kept = try Self.contact(db, id: keptID)
            let merged = try Self.contact(db, id: mergedID)
            let footprint = try Self.rows(db, about: mergedID).footprint
            for table in ["outreach", "interaction", "meeting", "reminder", "inboxItem"] {
                try db.execute(sql: "UPDATE \(table) SET contactId = ? WHERE contactId = ?", arguments: [keptID, mergedID])
            }
            try db.execute(sql: "DELETE FROM contact WHERE id = ?", arguments: [mergedID])
            let combined = ContactIdentity.merge(merged, into: kept)
            guard var record = try ContactRecord.fetchOne(db, key: keptID) else { throw StoreError.contactNotFound(query: String(keptID)) }
            record.emails = combined.emails
            record.handles = combined.handles
            record.tags = combined.tags
            record.organization = combined.organization
            record.timeZone = combined.timeZone
            record.why = combined.why
            record.notes = combined.notes
            record.keepInTouch = combined.keepInTouch
            record.createdAt = combined.createdAt
            record.updatedAt = now
            try record.update(db)
            if kept.timeZone != combined.timeZone {
                _ = try Self.replan(db, rules: rules, now: now,
                                    filter: "contactId = ? AND kind IN \([ReminderKind.followUp, .letGo].sqlList)", arguments: [keptID])
            }
            _ = try Self.planKeepInTouch(db, contactID: keptID, rules: rules)
            return (record.model, footprint, merged)
        }
    }

    /// Refuses a new contact that shares an e-mail address or profile URL with another
    /// (`ContactIdentity.firstClash`).
    static func refuseDuplicate(_ db: Database, _ draft: ContactDraft) throws {
        guard !draft.emails.isEmpty || !draft.handles.isEmpty else { return }
        let all = try ContactRecord.fetchAll(db).map(\.model)
        if let clash = ContactIdentity.firstClash(of: draft, among: all) {
            throw StoreError.duplicateContact(field: clash.field, value: clash.value,
                                              existing: "\(clash.existing.name) (#\(clash.existing.id))")
        }
    }

    /// The ids of every row about a contact.
    private static func rows(_ db: Database, about id: Int64) throws -> ContactRows {
        var rows = ContactRows()
        rows.outreach = try Int64.fetchAll(db, sql: "SELECT id FROM outreach WHERE contactId = ?", arguments: [id])
        rows.interactions = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM interaction WHERE contactId = ?", arguments: [id]) ?? 0
        rows.meetings = try Int64.fetchAll(db, sql: "SELECT id FROM meeting WHERE contactId = ?", arguments: [id])
        rows.reminders = try Int64.fetchAll(db, sql: """
            SELECT id FROM reminder WHERE contactId = ? OR outreachId IN (SELECT value FROM json_each(?))
                OR meetingId IN (SELECT value FROM json_each(?))
            """, arguments: [id, rows.outreach.json, rows.meetings.json])
        rows.inboxItems = try Int64.fetchAll(db, sql: """
            SELECT id FROM inboxItem WHERE contactId = ? OR outreachId IN (SELECT value FROM json_each(?))
                OR reminderId IN (SELECT value FROM json_each(?))
            """, arguments: [id, rows.outreach.json, rows.reminders.json])
        // A snooze's comeback reminder belongs to the inbox item it resurfaces.
        rows.reminders += try Int64.fetchAll(db, sql: """
            SELECT id FROM reminder WHERE resurfacesInboxId IN (SELECT value FROM json_each(?))
                AND id NOT IN (SELECT value FROM json_each(?))
            """, arguments: [rows.inboxItems.json, rows.reminders.json])
        rows.deliveries = try Int64.fetchAll(db, sql: "SELECT id FROM delivery WHERE inboxItemId IN (SELECT value FROM json_each(?))",
                                             arguments: [rows.inboxItems.json])
        return rows
    }
}

/// The rows about one contact, by table.
private struct ContactRows {
    var outreach: [Int64] = []
    var interactions = 0
    var meetings: [Int64] = []
    var reminders: [Int64] = []
    var inboxItems: [Int64] = []
    var deliveries: [Int64] = []

    var footprint: ContactFootprint {
        ContactFootprint(outreach: outreach.count, interactions: interactions, meetings: meetings.count,
                         reminders: reminders.count, inboxItems: inboxItems.count, deliveries: deliveries.count)
    }
}

