import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// Re-planning the team's pending reminders (issue #16), by the personal store's rules:
/// a follow-up step from its outreach's sequence and anchor in its contact's zone
/// (`Planner.followUp`), a keep-in-touch reminder from its anchor and its contact's
/// cadence (`Planner.keepInTouch`), a meeting's reminders from its meeting
/// (`MeetingReminders`), an event's from its event and occurrence (`EventReminders.time`, v11).
/// Reminders set for a time, and those a person moved by hand, stay where they are. Each
/// is planned in its owner's zone when they set one (`TeamStore.rules(_:of:_:)`).
extension TeamStore {
    /// Re-plans every pending computed reminder under new rules (a reload changed the
    /// window, holidays, zone or policy), in one transaction; what moved.
    public func replan(rules: TimingRules, now: Date) throws -> ScheduleChanges {
        let changes = try transaction { try replan($0, rules: rules, now: now) }
        if !changes.scheduled.isEmpty { listener.tellLocally(changes) }
        return changes
    }

    static let computedKinds = [ReminderKind.followUp, .letGo, .keepInTouch, .meetingPrep, .meetingLeave, .thankYou,
                                .eventRSVP, .eventSoon, .eventLogPeople].map(\.rawValue)

    /// `replan(rules:now:)` in the caller's transaction, for one contact's, one
    /// outreach's or one owner's reminders when given. A row another node is firing (locked) is left to
    /// that firing.
    func replan(_ connection: PostgresConnection, rules nodeRules: TimingRules, now: Date, contactID: Int64? = nil,
                outreachID: Int64? = nil, owner: String? = nil) throws -> ScheduleChanges {
        let rows = try connection.query("""
            SELECT r.id, r.kind, r.due_at, r.fire_at, r.reason, r.step, r.anchor_at, o.policy, c.time_zone, m.starts_at, m.ends_at,
                   r.lead_offset, e.duration_seconds, e.rsvp_by, e.all_day, r.event_id, c.keep_in_touch, u.time_zone, u.delivery_window
            FROM reminder r
            LEFT JOIN outreach o ON o.id = r.outreach_id
            LEFT JOIN contact c ON c.id = coalesce(o.contact_id, r.contact_id)
            LEFT JOIN meeting m ON m.id = r.meeting_id
            LEFT JOIN event e ON e.id = r.event_id
            LEFT JOIN team_user u ON u.name = r.owner
            WHERE r.state = 'pending' AND r.moved_at IS NULL AND r.resurfaces_inbox_id IS NULL
              AND r.kind = ANY(\(Self.computedKinds))
              AND (\(contactID)::bigint IS NULL OR c.id = \(contactID))
              AND (\(outreachID)::bigint IS NULL OR r.outreach_id = \(outreachID))
              AND (\(owner)::text IS NULL OR r.owner = \(owner))
            ORDER BY r.id
            FOR UPDATE OF r SKIP LOCKED
            """, logger: logger).wait()
        var changes = ScheduleChanges()
        for row in rows {
            let (id, kind, dueAt, fireAt, reason, step, anchor, policy, zone, startsAt, endsAt, offset, duration, rsvpBy, allDay, eventID,
                 cadence) = try row.decode((Int64, String, Date, Date, String, Int32?, Date?, String?, String?, Date?, Date?,
                                            String?, Double?, Date?, Bool?, Int64?, String?).self)
            // The owner's zone and window (columns past the tuple's 17).
            let columns = row.makeRandomAccess()
            let ownerZone = try columns[17].decode(String?.self)
            let ownerWindow = try Self.userWindow(try columns[18].decode(String?.self))
            let rules = Self.rules(nodeRules, inZoneNamed: ownerZone, window: ownerWindow)
            let planned: PlannedTime?
            switch ReminderKind(rawValue: kind) {
            case .followUp?, .letGo?:
                guard let step, let anchor, let policy else { continue }
                planned = Planner.followUp(step: Int(step), policy: try Self.decodeJSON(policy), anchor: anchor,
                                           contactZone: zone.flatMap(TimeZone.init(identifier:)), rules: rules)
            case .keepInTouch?:
                guard let anchor, let cadence else { continue }
                planned = Planner.keepInTouch(lastInteraction: anchor, cadence: try Wait(parsing: cadence), rules: rules)
            case let meetingKind? where MeetingReminders.kinds.contains(meetingKind):
                guard let startsAt, let endsAt else { continue }
                planned = MeetingReminders.time(meetingKind, startsAt: startsAt, endsAt: endsAt, rules: rules, now: now)
            case .eventRSVP?, .eventSoon?, .eventLogPeople?:
                guard eventID != nil, let anchor, let duration else { continue }
                planned = EventReminders.time(ReminderKind(rawValue: kind)!, offset: offset, occurrence: anchor, duration: duration,
                                              rsvpBy: rsvpBy, rules: rules, now: now, allDay: allDay ?? false)
            default:
                continue
            }
            guard let planned, planned.fireAt != fireAt || planned.dueAt != dueAt || planned.reason != reason else { continue }
            try run(connection, """
                UPDATE reminder SET due_at = \(planned.dueAt), fire_at = \(planned.fireAt), reason = \(planned.reason) WHERE id = \(id)
                """)
            changes.scheduled.append(ScheduledReminder(id: id, due: planned.fireAt))
        }
        return changes
    }
}
