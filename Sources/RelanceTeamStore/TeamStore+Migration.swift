import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// The team database refused a row of the copy (a constraint, a trigger): the whole copy
/// was rolled back. `reason` is the server's message, with what it was copying.
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
    /// One statement per table, whatever the number of rows (a JSON document read with
    /// `json_to_recordset`), so the node's connection is not held for a round trip per
    /// row: the team ids are drawn from each table's identity sequence first, which
    /// gives every copy its id before it is written. The reminders' insert announces
    /// them to every node (the reminder trigger; past 200 rows, as a re-read), so each
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
                // One import of events at a time too: the UID match sees every event.
                try run(connection, "SELECT pg_advisory_xact_lock(\(Self.eventImportLock))")
                let teamEvents = Set(try connection.query("SELECT uid, occurrence_id FROM event", logger: logger).wait().map { row in
                    let (uid, occurrence) = try row.decode((String, String?).self)
                    return MigrationPlan.eventKey(uid, occurrence)
                })
                // Contacts copied or linked earlier that the team has removed since.
                let mapped = teamIDs.filter { $0.key.kind == .contact }
                let present = Set(try connection.query("SELECT id FROM contact WHERE id = ANY(\(Array(mapped.values)))",
                                                       logger: logger).wait().map { try $0.decode(Int64.self) })
                let removed = Set(mapped.filter { !present.contains($0.value) }.map(\.key.sourceID))
                let plan = MigrationPlan.make(copy, copied: Set(teamIDs.keys), teamEmails: teamEmails, teamEvents: teamEvents,
                                              removed: removed)
                var recorded: [(MigrationPlan.Kind, source: Int64, team: Int64)] = []
                func assign(_ kind: MigrationPlan.Kind, _ sources: [Int64], table: String) throws -> [Int64] {
                    let ids = try connection.query("""
                        SELECT nextval(pg_get_serial_sequence(\(table), 'id')) FROM generate_series(1, \(sources.count))
                        """, logger: logger).wait().map { try $0.decode(Int64.self) }
                    for (source, id) in zip(sources, ids) {
                        teamIDs[MigrationPlan.Key(kind, source)] = id
                        recorded.append((kind, source, id))
                    }
                    return ids
                }
                for (source, team) in plan.links.sorted(by: { $0.key < $1.key }) {
                    teamIDs[MigrationPlan.Key(.contact, source)] = team
                    recorded.append((.contact, source, team))
                }

                if !plan.newContacts.isEmpty {
                    copying = "the contacts (\(plan.newContacts.count))"
                    let ids = try assign(.contact, plan.newContacts.map(\.id), table: "contact")
                    let rows = try zip(ids, plan.newContacts).map { id, contact in
                        ContactRow(id: id, name: contact.name, emails: contact.emails, handles: try Self.json(contact.handles),
                                   organization: contact.organization, time_zone: contact.timeZone, why: contact.why,
                                   tags: contact.tags, notes: contact.notes, details: try Self.json(contact.details),
                                   created_at: contact.createdAt.timeIntervalSince1970,
                                   keep_in_touch: contact.keepInTouch?.description)
                    }
                    try run(connection, """
                        INSERT INTO contact (id, name, emails, handles, organization, time_zone, why, tags, notes, details, owner,
                                             created_at, created_by, keep_in_touch) OVERRIDING SYSTEM VALUE
                        SELECT id, name, emails, handles, organization, time_zone, why, tags, notes, details, \(user),
                               to_timestamp(created_at), \(settings.node), keep_in_touch
                        FROM json_to_recordset(\(try Self.json(rows))::json) AS r(id bigint, name text, emails text[], handles text,
                            organization text, time_zone text, why text, tags text[], notes text, details text, created_at float8,
                            keep_in_touch text)
                        ORDER BY id
                        """)
                }
                if !plan.newOutreach.isEmpty {
                    copying = "the outreach (\(plan.newOutreach.count))"
                    let ids = try assign(.outreach, plan.newOutreach.map(\.id), table: "outreach")
                    let rows = try zip(ids, plan.newOutreach).map { id, outreach in
                        // Every contact of the store is copied or linked, now or earlier.
                        OutreachRow(id: id, contact_id: teamIDs[MigrationPlan.Key(.contact, outreach.contactID)],
                                    channel: outreach.channel, ask: outreach.ask, sent_at: outreach.sentAt.timeIntervalSince1970,
                                    status: outreach.status.rawValue, policy: try Self.json(outreach.policy),
                                    follow_ups_sent: outreach.followUpsSent,
                                    last_follow_up_at: outreach.lastFollowUpAt?.timeIntervalSince1970,
                                    closed_at: outreach.closedAt?.timeIntervalSince1970, message_id: outreach.messageID)
                    }
                    try run(connection, """
                        INSERT INTO outreach (id, contact_id, author, channel, ask, sent_at, status, policy, follow_ups_sent,
                                              last_follow_up_at, closed_at, message_id) OVERRIDING SYSTEM VALUE
                        SELECT id, contact_id, \(user), channel, ask, to_timestamp(sent_at), status, policy, follow_ups_sent,
                               to_timestamp(last_follow_up_at), to_timestamp(closed_at), message_id
                        FROM json_to_recordset(\(try Self.json(rows))::json) AS r(id bigint, contact_id bigint, channel text, ask text,
                            sent_at float8, status text, policy text, follow_ups_sent integer, last_follow_up_at float8,
                            closed_at float8, message_id text)
                        ORDER BY id
                        """)
                }
                if !plan.newMeetings.isEmpty {
                    copying = "the meetings (\(plan.newMeetings.count))"
                    let ids = try assign(.meeting, plan.newMeetings.map(\.id), table: "meeting")
                    let rows = zip(ids, plan.newMeetings).map { id, meeting in
                        MeetingRow(id: id, contact_id: teamIDs[MigrationPlan.Key(.contact, meeting.contactID)],
                                   outreach_id: meeting.outreachID.flatMap { teamIDs[MigrationPlan.Key(.outreach, $0)] },
                                   starts_at: meeting.startsAt.timeIntervalSince1970, ends_at: meeting.endsAt.timeIntervalSince1970,
                                   place: meeting.place, notes: meeting.notes)
                    }
                    try run(connection, """
                        INSERT INTO meeting (id, contact_id, outreach_id, starts_at, ends_at, place, notes, created_by, created_at)
                            OVERRIDING SYSTEM VALUE
                        SELECT id, contact_id, outreach_id, to_timestamp(starts_at), to_timestamp(ends_at), place, notes, \(user), \(now)
                        FROM json_to_recordset(\(try Self.json(rows))::json) AS r(id bigint, contact_id bigint, outreach_id bigint,
                            starts_at float8, ends_at float8, place text, notes text)
                        ORDER BY id
                        """)
                }
                if !plan.newEvents.isEmpty {
                    copying = "the events (\(plan.newEvents.count))"
                    let ids = try assign(.event, plan.newEvents.map(\.id), table: "event")
                    let rows = try zip(ids, plan.newEvents).map { id, event in
                        EventRow(id: id, uid: event.uid, occurrence_id: event.occurrenceID?.key, title: event.title,
                                 start_local: event.start.description, time_zone: event.timeZone, duration_seconds: event.duration,
                                 place: event.place, url: event.url, details: event.details,
                                 rsvp_by: event.rsvpBy?.timeIntervalSince1970, recurrence: try event.recurrence.map(Self.json),
                                 reminders: try Self.json(event.reminders), all_day: event.isAllDay,
                                 sequence: event.version.sequence, revised_at: event.version.stamp?.timeIntervalSince1970)
                    }
                    try run(connection, """
                        INSERT INTO event (id, uid, occurrence_id, title, start_local, time_zone, duration_seconds, place, url,
                                           details, rsvp_by, recurrence, reminders, all_day, sequence, revised_at, created_by,
                                           created_at) OVERRIDING SYSTEM VALUE
                        SELECT id, uid, occurrence_id, title, start_local, time_zone, duration_seconds, place, url, details,
                               to_timestamp(rsvp_by), recurrence, reminders, all_day, sequence, to_timestamp(revised_at), \(user), \(now)
                        FROM json_to_recordset(\(try Self.json(rows))::json) AS r(id bigint, uid text, occurrence_id text, title text,
                            start_local text, time_zone text, duration_seconds float8, place text, url text, details text,
                            rsvp_by float8, recurrence text, reminders text, all_day boolean, sequence integer, revised_at float8)
                        ORDER BY id
                        """)
                }
                var scheduled: [ScheduledReminder] = []
                if !plan.newReminders.isEmpty {
                    copying = "the pending reminders (\(plan.newReminders.count))"
                    let ids = try assign(.reminder, plan.newReminders.map(\.reminder.id), table: "reminder")
                    let rows = zip(ids, plan.newReminders).map { id, pending in
                        let reminder = pending.reminder
                        return ReminderRow(id: id, kind: reminder.kind.rawValue, text: reminder.text,
                                           due_at: reminder.dueAt.timeIntervalSince1970, fire_at: reminder.fireAt.timeIntervalSince1970,
                                           reason: reminder.reason,
                                           contact_id: reminder.contactID.flatMap { teamIDs[MigrationPlan.Key(.contact, $0)] },
                                           outreach_id: reminder.outreachID.flatMap { teamIDs[MigrationPlan.Key(.outreach, $0)] },
                                           step: pending.step, anchor_at: pending.anchor?.timeIntervalSince1970,
                                           moved_at: pending.movedAt?.timeIntervalSince1970,
                                           meeting_id: pending.meetingID.flatMap { teamIDs[MigrationPlan.Key(.meeting, $0)] },
                                           event_id: pending.eventID.flatMap { teamIDs[MigrationPlan.Key(.event, $0)] },
                                           lead_offset: pending.leadOffset)
                    }
                    try run(connection, """
                        INSERT INTO reminder (id, kind, text, due_at, fire_at, reason, created_by, contact_id, outreach_id, step,
                                              anchor_at, moved_at, meeting_id, event_id, lead_offset, owner)
                            OVERRIDING SYSTEM VALUE
                        SELECT id, kind, text, to_timestamp(due_at), to_timestamp(fire_at), reason, \(settings.node), contact_id,
                               outreach_id, step, to_timestamp(anchor_at), to_timestamp(moved_at), meeting_id, event_id, lead_offset,
                               -- Whose channels get it, as for any team reminder: a step's or a keep-in-touch
                               -- reminder's is its contact's owner.
                               coalesce(CASE WHEN kind = ANY(\(Self.sequenceKinds + [ReminderKind.keepInTouch.rawValue]))
                                             THEN (SELECT owner FROM contact WHERE contact.id = r.contact_id) END, \(user))
                        FROM json_to_recordset(\(try Self.json(rows))::json) AS r(id bigint, kind text, text text, due_at float8,
                            fire_at float8, reason text, contact_id bigint, outreach_id bigint, step integer, anchor_at float8,
                            moved_at float8, meeting_id bigint, event_id bigint, lead_offset text)
                        ORDER BY id
                        """)
                    scheduled = zip(ids, plan.newReminders).map { ScheduledReminder(id: $0, due: $1.reminder.fireAt) }
                }
                if !recorded.isEmpty {
                    copying = "the record of what was copied"
                    try run(connection, """
                        INSERT INTO migrated_row (source, kind, source_id, team_id, migrated_by, migrated_at)
                        SELECT \(copy.identity), kind, source_id, team_id, \(user), \(now)
                        FROM unnest(\(recorded.map(\.0.rawValue))::text[], \(recorded.map(\.source))::bigint[],
                                    \(recorded.map(\.team))::bigint[]) AS r(kind, source_id, team_id)
                        """)
                }
                return (plan, scheduled)
            }
        } catch let error as PSQLError {
            let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
            throw MigrationRefused(reason: "the team database refused \(copying): \(Self.describe(error))\(detail)")
        }
        // The other nodes hear of them from the trigger, at commit; this one from here.
        if !scheduled.isEmpty { listener.tellLocally(ScheduleChanges(scheduled: scheduled)) }
        return plan.counts
    }
}

// The rows of one insert, as `json_to_recordset` reads them (column names as keys;
// instants in seconds since the epoch, UTC; an absent key is NULL).

private struct ContactRow: Encodable {
    var id: Int64, name: String, emails: [String], handles: String, organization: String?, time_zone: String?, why: String?
    var tags: [String], notes: String?, details: String, created_at: Double, keep_in_touch: String?
}

private struct OutreachRow: Encodable {
    var id: Int64, contact_id: Int64?, channel: String, ask: String, sent_at: Double, status: String, policy: String
    var follow_ups_sent: Int, last_follow_up_at: Double?, closed_at: Double?, message_id: String?
}

private struct ReminderRow: Encodable {
    var id: Int64, kind: String, text: String, due_at: Double, fire_at: Double, reason: String
    var contact_id: Int64?, outreach_id: Int64?, step: Int?, anchor_at: Double?, moved_at: Double?, meeting_id: Int64?
    var event_id: Int64?, lead_offset: String?
}

private struct EventRow: Encodable {
    var id: Int64, uid: String, occurrence_id: String?, title: String, start_local: String, time_zone: String
    var duration_seconds: Double, place: String?, url: String?, details: String?, rsvp_by: Double?, recurrence: String?
    var reminders: String, all_day: Bool, sequence: Int, revised_at: Double?
}

private struct MeetingRow: Encodable {
    var id: Int64, contact_id: Int64?, outreach_id: Int64?, starts_at: Double, ends_at: Double, place: String, notes: String?
}
