import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// What a `migrate` run did: rows copied, contacts linked to a team contact with the
/// same e-mail address instead, rows an earlier run copied, pending reminders a team store
/// does not take.
public struct MigrationCounts: Sendable, Equatable {
    public var contacts = 0
    public var matchedByEmail = 0
    public var outreach = 0
    public var reminders = 0
    public var alreadyCopied = 0
    /// Meeting, event, keep-in-touch reminders and snoozes (a team store keeps none yet),
    /// and the later steps of a sequence an earlier run copied (the team plans those).
    public var skippedReminders = 0

    public init() {}
}

/// The team database refused a row of the copy (a constraint, a trigger): the whole copy
/// was rolled back. `reason` is the server's message, with the row it was copying.
public struct MigrationRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "nothing was copied (the copy was rolled back): \(reason)" }
}

/// Copies a personal store into the team store (`relancectl migrate`, issue #16).
extension TeamStore {
    /// Copies what `copy` holds and an earlier run did not, for `user` (the owner of the
    /// contacts, the author of the outreach), in ONE transaction: all of it or nothing.
    ///
    /// A contact whose e-mail address a team contact already has is linked to that one.
    /// Pending custom reminders are copied, and the pending step of each outreach copied
    /// in this run (re-pointed at the copies, with its times, text and step); each
    /// insert announces itself to every node (the reminder trigger), so it fires once,
    /// from the team. Every copied or linked row is recorded under `copy.identity`
    /// (`migrated_row`): a second run copies only rows added since.
    public func migrate(_ copy: PersonalStoreCopy, user: String, now: Date) throws -> MigrationCounts {
        var counts = MigrationCounts()
        var scheduled: [ScheduledReminder] = []
        var copying = "the start"
        do {
            try transaction { connection in
                // One migration or contact add at a time: the e-mail match sees every contact.
                try run(connection, "SELECT pg_advisory_xact_lock(\(Self.contactLock))")
                var copied: [String: [Int64: Int64]] = ["contact": [:], "outreach": [:], "reminder": [:]]
                for row in try connection.query("SELECT kind, source_id, team_id FROM migrated_row WHERE source = \(copy.identity)",
                                                logger: logger).wait() {
                    let (kind, sourceID, teamID) = try row.decode((String, Int64, Int64).self)
                    copied[kind, default: [:]][sourceID] = teamID
                }
                func record(_ kind: String, _ sourceID: Int64, _ teamID: Int64) throws {
                    try run(connection, """
                        INSERT INTO migrated_row (source, kind, source_id, team_id, migrated_by, migrated_at)
                        VALUES (\(copy.identity), \(kind), \(sourceID), \(teamID), \(user), \(now))
                        """)
                    copied[kind, default: [:]][sourceID] = teamID
                }

                var byEmail: [String: Int64] = [:]
                for row in try connection.query("SELECT id, emails FROM contact ORDER BY id", logger: logger).wait() {
                    let (id, emails) = try row.decode((Int64, [String]).self)
                    for email in emails where byEmail[email.lowercased()] == nil { byEmail[email.lowercased()] = id }
                }
                for contact in copy.contacts {
                    if copied["contact"]![contact.id] != nil { counts.alreadyCopied += 1; continue }
                    copying = "contact #\(contact.id) (\(contact.name))"
                    if let match = contact.emails.lazy.compactMap({ byEmail[$0.lowercased()] }).first {
                        try record("contact", contact.id, match)
                        counts.matchedByEmail += 1
                        continue
                    }
                    let id = try connection.query("""
                        INSERT INTO contact (name, emails, handles, organization, time_zone, why, tags, notes, details, owner, created_at, created_by)
                        VALUES (\(contact.name), \(contact.emails), \(try Self.json(contact.handles)), \(contact.organization),
                                \(contact.timeZone), \(contact.why), \(contact.tags), \(contact.notes), \(try Self.json(contact.details)),
                                \(user), \(contact.createdAt), \(settings.node))
                        RETURNING id
                        """, logger: logger).wait().first!.decode(Int64.self)
                    try record("contact", contact.id, id)
                    for email in contact.emails where byEmail[email.lowercased()] == nil { byEmail[email.lowercased()] = id }
                    counts.contacts += 1
                }

                var outreachCopiedNow: Set<Int64> = []
                for outreach in copy.outreach {
                    if copied["outreach"]![outreach.id] != nil { counts.alreadyCopied += 1; continue }
                    let to = copy.contacts.first { $0.id == outreach.contactID }?.name ?? "contact #\(outreach.contactID)"
                    copying = "outreach #\(outreach.id) (to \(to))"
                    let contactID = copied["contact"]![outreach.contactID]!  // every contact is copied or linked above
                    let id = try connection.query("""
                        INSERT INTO outreach (contact_id, author, channel, ask, sent_at, status, policy, follow_ups_sent,
                                              last_follow_up_at, closed_at, message_id)
                        VALUES (\(contactID), \(user), \(outreach.channel), \(outreach.ask), \(outreach.sentAt),
                                \(outreach.status.rawValue), \(try Self.json(outreach.policy)), \(Int32(outreach.followUpsSent)),
                                \(outreach.lastFollowUpAt), \(outreach.closedAt), \(outreach.messageID))
                        RETURNING id
                        """, logger: logger).wait().first!.decode(Int64.self)
                    try record("outreach", outreach.id, id)
                    outreachCopiedNow.insert(outreach.id)
                    counts.outreach += 1
                }

                for pending in copy.reminders {
                    let reminder = pending.reminder
                    if copied["reminder"]![reminder.id] != nil { counts.alreadyCopied += 1; continue }
                    let sequence = reminder.kind == .followUp || reminder.kind == .letGo
                    let takes = reminder.kind == .custom ? !pending.isSnooze
                        : sequence && pending.step != nil && reminder.outreachID.map(outreachCopiedNow.contains) == true
                    guard takes else { counts.skippedReminders += 1; continue }
                    copying = "reminder #\(reminder.id) (\(reminder.text))"
                    let contactID = reminder.contactID.flatMap { copied["contact"]![$0] }
                    let outreachID = reminder.outreachID.flatMap { copied["outreach"]![$0] }
                    let id = try connection.query("""
                        INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, outreach_id, step)
                        VALUES (\(reminder.kind.rawValue), \(reminder.text), \(reminder.dueAt), \(reminder.fireAt), \(reminder.reason),
                                \(settings.node), \(contactID), \(outreachID), \(pending.step.map { Int32($0) }))
                        RETURNING id
                        """, logger: logger).wait().first!.decode(Int64.self)
                    try record("reminder", reminder.id, id)
                    scheduled.append(ScheduledReminder(id: id, due: reminder.fireAt))
                    counts.reminders += 1
                }
            }
        } catch let error as PSQLError {
            throw MigrationRefused(reason: "the team database refused \(copying): \(Self.describe(error))")
        }
        // The other nodes hear of them from the trigger, at commit; this one from here.
        if !scheduled.isEmpty { listener.tellLocally(ScheduleChanges(scheduled: scheduled)) }
        return counts
    }
}
