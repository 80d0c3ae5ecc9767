import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// Merging two team contacts into one (`contact merge`), with the personal store's meaning
/// (`AppDatabase.mergeContacts`): the fields combined by `ContactIdentity.merge`, the
/// history moved over, the kept contact's keep-in-touch re-planned. No schema change: every
/// row about a contact names it by `contact_id` (a reminder, also by its outreach or
/// meeting, which move with their contact).
extension TeamStore {
    /// Merges contact `mergedID` into `keptID` in ONE transaction, for the merged
    /// contact's owner only (it is theirs that disappears; the kept contact keeps its
    /// owner, as an update does): its outreach, interactions, meetings and reminders are
    /// re-pointed to the kept contact, the merged contact is deleted, and the kept one's
    /// follow-ups (when the merge gave it a zone) and keep-in-touch are re-planned in their
    /// owners' zones (`rules` is the node's). Another user's contact, an unknown id, or a
    /// contact merged into itself is refused, changing nothing.
    public func mergeContacts(keptID: Int64, mergedID: Int64, by user: String, rules: TimingRules,
                              now: Date) throws -> (kept: TeamContact, merged: Contact, moved: ContactFootprint) {
        guard keptID != mergedID else {
            throw StoreError.invalidState(what: "from", reason: "a contact cannot be merged into itself")
        }
        let (result, changes) = try transaction { connection in
            // Both rows locked, in id order: two merges of the same pair cannot deadlock.
            let rows = try connection.query("""
                SELECT \(unescaped: Self.contactColumns) FROM contact WHERE id IN (\(keptID), \(mergedID)) ORDER BY id FOR UPDATE
                """, logger: logger).wait().map(Self.teamContact)
            guard let kept = rows.first(where: { $0.contact.id == keptID }) else { throw StoreError.contactNotFound(query: String(keptID)) }
            guard let merged = rows.first(where: { $0.contact.id == mergedID }) else { throw StoreError.contactNotFound(query: String(mergedID)) }
            guard merged.owner == user else {
                throw StoreError.invalidState(what: "from", reason: "\(merged.contact.name) is \(merged.owner)'s: only their owner can merge them away; ask \(merged.owner), or merge the other way round if \(kept.contact.name) is yours")
            }
            let moved = try footprint(connection, of: mergedID)
            for table in ["outreach", "interaction", "meeting", "reminder", "meeting_offer"] {
                try run(connection, "UPDATE \(unescaped: table) SET contact_id = \(keptID) WHERE contact_id = \(mergedID)")
            }
            // Its bouncing addresses are the kept one's now (the merged one's go with it).
            try run(connection, """
                INSERT INTO bouncing_address (contact_id, address, reason, since)
                SELECT \(keptID), address, reason, since FROM bouncing_address WHERE contact_id = \(mergedID)
                ON CONFLICT DO NOTHING
                """)
            // A later `migrate` of the same personal store links its contact to the kept one.
            try run(connection, "UPDATE migrated_row SET team_id = \(keptID) WHERE kind = 'contact' AND team_id = \(mergedID)")
            try run(connection, "DELETE FROM contact WHERE id = \(mergedID)")
            let combined = ContactIdentity.merge(merged.contact, into: kept.contact)
            var updated = try writeContact(connection, id: keptID, ContactDraft(combined))
            try run(connection, "UPDATE contact SET created_at = \(combined.createdAt) WHERE id = \(keptID)")
            updated.contact.createdAt = combined.createdAt
            var changes = ScheduleChanges()
            if kept.contact.timeZone != combined.timeZone {
                changes.merge(try replan(connection, rules: rules, now: now, contactID: keptID))
            }
            // Both cadences' pending reminders now name the kept contact: one replaces them.
            changes.merge(try planKeepInTouch(connection, contactID: keptID, rules: rules))
            return ((updated, merged.contact, moved), changes)
        }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return result
    }

    /// What a merge moves: the rows about a contact, counted as the personal store counts
    /// them (reminders through its outreach and meetings too; the inbox items they fired,
    /// and those items' outbox jobs).
    private func footprint(_ connection: PostgresConnection, of id: Int64) throws -> ContactFootprint {
        let row = try connection.query("""
            WITH r AS (
                SELECT id FROM reminder WHERE contact_id = \(id)
                    OR outreach_id IN (SELECT id FROM outreach WHERE contact_id = \(id))
                    OR meeting_id IN (SELECT id FROM meeting WHERE contact_id = \(id))),
                 i AS (SELECT id FROM inbox_item WHERE reminder_id IN (SELECT id FROM r))
            SELECT (SELECT count(*) FROM outreach WHERE contact_id = \(id)),
                   (SELECT count(*) FROM interaction WHERE contact_id = \(id)),
                   (SELECT count(*) FROM meeting WHERE contact_id = \(id)),
                   (SELECT count(*) FROM r), (SELECT count(*) FROM i),
                   (SELECT count(*) FROM outbox WHERE inbox_item_id IN (SELECT id FROM i))
            """, logger: logger).wait().first!
        let (outreach, interactions, meetings, reminders, items, deliveries) =
            try row.decode((Int64, Int64, Int64, Int64, Int64, Int64).self)
        return ContactFootprint(outreach: Int(outreach), interactions: Int(interactions), meetings: Int(meetings),
                                reminders: Int(reminders), inboxItems: Int(items), deliveries: Int(deliveries))
    }
}
