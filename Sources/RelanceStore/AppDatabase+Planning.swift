import Foundation
import GRDB
import RelanceCore

extension AppDatabase {
    /// Re-plans every pending computed reminder under new rules (a reload changed the
    /// window, holidays, zone or policy), in one transaction. Only reminders whose time
    /// actually changes are touched; custom reminders, snoozes and reminders you moved
    /// by hand stay put.
    public func replan(rules: TimingRules, now: Date) throws -> ScheduleChanges {
        try writer.write { db in try Self.replan(db, rules: rules, now: now, filter: nil, arguments: []) }
    }

    static func replan(_ db: Database, rules: TimingRules, now: Date, filter: String?, arguments: StatementArguments) throws -> ScheduleChanges {
        var sql = "SELECT * FROM reminder WHERE state = \(ReminderState.pending.sql) AND kind != \(ReminderKind.custom.sql) AND resurfacesInboxId IS NULL AND movedAt IS NULL"
        if let filter { sql += " AND " + filter }
        var changes = ScheduleChanges()
        for var reminder in try ReminderRecord.fetchAll(db, sql: sql, arguments: arguments) {
            guard let planned = try plan(db, reminder, rules: rules, now: now),
                  planned.fireAt != reminder.fireAt || planned.dueAt != reminder.dueAt || planned.reason != reminder.reason
            else { continue }
            reminder.dueAt = planned.dueAt
            reminder.fireAt = planned.fireAt
            reminder.reason = planned.reason
            try reminder.update(db)
            changes.scheduled.append(reminder.scheduled)
        }
        return changes
    }

    /// The time a computed reminder gets under `rules`, from the source it was made from.
    static func plan(_ db: Database, _ reminder: ReminderRecord, rules: TimingRules, now: Date) throws -> PlannedTime? {
        switch reminder.kind {
        case .custom:
            return nil
        case .followUp, .letGo:
            guard let outreachID = reminder.outreachId, let step = reminder.step, let anchor = reminder.anchorAt,
                  let outreach = try OutreachRecord.fetchOne(db, key: outreachID) else { return nil }
            let zone = try ContactRecord.fetchOne(db, key: outreach.contactId)?.model.zone
            return Planner.followUp(step: step, policy: outreach.policy, anchor: anchor, contactZone: zone, rules: rules)
        case .keepInTouch:
            guard let contactID = reminder.contactId, let anchor = reminder.anchorAt,
                  let cadence = try ContactRecord.fetchOne(db, key: contactID)?.keepInTouch else { return nil }
            return Planner.keepInTouch(lastInteraction: anchor, cadence: cadence, rules: rules)
        case .meetingPrep, .meetingLeave, .thankYou:
            guard let meetingID = reminder.meetingId, let meeting = try MeetingRecord.fetchOne(db, key: meetingID) else { return nil }
            return meetingPlan(reminder.kind, meeting: meeting, rules: rules, now: now)
        case .eventRSVP, .eventSoon, .eventLogPeople:
            guard let eventID = reminder.eventId, let occurrence = reminder.anchorAt,
                  let event = try EventRecord.fetchOne(db, key: eventID) else { return nil }
            return eventPlan(reminder.kind, offset: reminder.offset, occurrence: occurrence, event: event, rules: rules, now: now)
        }
    }
}
