import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

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
    /// What is taken is `MigrationPlan`'s decision; this executes it.
    ///
    /// Each reminder insert announces itself to every node (the reminder trigger), so it
    /// fires once, from the team. Every copied or linked row is recorded under
    /// `copy.identity` (`migrated_row`): a second run copies only rows added since.
    public func migrate(_ copy: PersonalStoreCopy, user: String, now: Date) throws -> MigrationCounts {
        var copying = "the start"
        let (plan, scheduled): (MigrationPlan, [ScheduledReminder])
        do {
            (plan, scheduled) = try transaction { connection in
                // One migration or contact add at a time: the e-mail match sees every contact.
                try run(connection, "SELECT pg_advisory_xact_lock(\(Self.contactLock))")
                var teamIDs: [MigrationPlan.Key: Int64] = [:]
                for row in try connection.query("SELECT kind, source_id, team_id FROM migrated_row WHERE source = \(copy.identity)",
                                                logger: logger).wait() {
                    let (kind, sourceID, teamID) = try row.decode((String, Int64, Int64).self)
                    if let kind = MigrationPlan.Kind(rawValue: kind) { teamIDs[MigrationPlan.Key(kind, sourceID)] = teamID }
                }
                var teamEmails: [String: Int64] = [:]
                for row in try connection.query("SELECT id, emails FROM contact ORDER BY id", logger: logger).wait() {
                    let (id, emails) = try row.decode((Int64, [String]).self)
                    for email in emails where teamEmails[email.lowercased()] == nil { teamEmails[email.lowercased()] = id }
                }
                let plan = MigrationPlan.make(copy, copied: Set(teamIDs.keys), teamEmails: teamEmails)

                func record(_ kind: MigrationPlan.Kind, _ sourceID: Int64, _ teamID: Int64) throws {
                    try run(connection, """
                        INSERT INTO migrated_row (source, kind, source_id, team_id, migrated_by, migrated_at)
                        VALUES (\(copy.identity), \(kind.rawValue), \(sourceID), \(teamID), \(user), \(now))
                        """)
                    teamIDs[MigrationPlan.Key(kind, sourceID)] = teamID
                }
                for (source, team) in plan.links.sorted(by: { $0.key < $1.key }) { try record(.contact, source, team) }
                for contact in plan.newContacts {
                    copying = "contact #\(contact.id) (\(contact.name))"
                    let id = try connection.query("""
                        INSERT INTO contact (name, emails, handles, organization, time_zone, why, tags, notes, details, owner, created_at, created_by)
                        VALUES (\(contact.name), \(contact.emails), \(try Self.json(contact.handles)), \(contact.organization),
                                \(contact.timeZone), \(contact.why), \(contact.tags), \(contact.notes), \(try Self.json(contact.details)),
                                \(user), \(contact.createdAt), \(settings.node))
                        RETURNING id
                        """, logger: logger).wait().first!.decode(Int64.self)
                    try record(.contact, contact.id, id)
                }
                for outreach in plan.newOutreach {
                    let to = copy.contacts.first { $0.id == outreach.contactID }?.name ?? "contact #\(outreach.contactID)"
                    copying = "outreach #\(outreach.id) (to \(to))"
                    // Every contact of the store is copied or linked, now or earlier.
                    let contactID = teamIDs[MigrationPlan.Key(.contact, outreach.contactID)]
                    let id = try connection.query("""
                        INSERT INTO outreach (contact_id, author, channel, ask, sent_at, status, policy, follow_ups_sent,
                                              last_follow_up_at, closed_at, message_id)
                        VALUES (\(contactID), \(user), \(outreach.channel), \(outreach.ask), \(outreach.sentAt),
                                \(outreach.status.rawValue), \(try Self.json(outreach.policy)), \(Int32(outreach.followUpsSent)),
                                \(outreach.lastFollowUpAt), \(outreach.closedAt), \(outreach.messageID))
                        RETURNING id
                        """, logger: logger).wait().first!.decode(Int64.self)
                    try record(.outreach, outreach.id, id)
                }
                var scheduled: [ScheduledReminder] = []
                for pending in plan.newReminders {
                    let reminder = pending.reminder
                    copying = "reminder #\(reminder.id) (\(reminder.text))"
                    let contactID = reminder.contactID.flatMap { teamIDs[MigrationPlan.Key(.contact, $0)] }
                    let outreachID = reminder.outreachID.flatMap { teamIDs[MigrationPlan.Key(.outreach, $0)] }
                    let id = try connection.query("""
                        INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, outreach_id, step)
                        VALUES (\(reminder.kind.rawValue), \(reminder.text), \(reminder.dueAt), \(reminder.fireAt), \(reminder.reason),
                                \(settings.node), \(contactID), \(outreachID), \(pending.step.map { Int32($0) }))
                        RETURNING id
                        """, logger: logger).wait().first!.decode(Int64.self)
                    try record(.reminder, reminder.id, id)
                    scheduled.append(ScheduledReminder(id: id, due: reminder.fireAt))
                }
                return (plan, scheduled)
            }
        } catch let error as PSQLError {
            throw MigrationRefused(reason: "the team database refused \(copying): \(Self.describe(error))")
        }
        // The other nodes hear of them from the trigger, at commit; this one from here.
        if !scheduled.isEmpty { listener.tellLocally(ScheduleChanges(scheduled: scheduled)) }
        return plan.counts
    }
}
