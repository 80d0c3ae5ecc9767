import Foundation

/// What a `migrate` run does (issue #16), decided from a personal store's rows, what an
/// earlier run copied from it, and the team's e-mail addresses; the team store executes
/// it in one transaction. Pure: no ids of the team store are invented here.
public struct MigrationPlan: Sendable, Equatable {
    /// A row of the personal store, as recorded by the team store once copied.
    public struct Key: Hashable, Sendable {
        public var kind: Kind
        public var sourceID: Int64
        public init(_ kind: Kind, _ sourceID: Int64) { self.kind = kind; self.sourceID = sourceID }
    }

    public enum Kind: String, Sendable, CaseIterable { case contact, outreach, meeting, reminder, event }

    /// Contacts to insert, owned by the caller.
    public var newContacts: [Contact] = []
    /// Source contact id -> the team contact that already has one of its e-mail addresses.
    public var links: [Int64: Int64] = [:]
    /// Outreach to insert, signed by the caller.
    public var newOutreach: [Outreach] = []
    /// Meetings to insert, the caller's to go to.
    public var newMeetings: [Meeting] = []
    /// Events to insert, the caller's to go to.
    public var newEvents: [NetworkingEvent] = []
    /// Pending reminders to insert, re-pointed at the copies.
    public var newReminders: [PersonalStoreCopy.PendingReminder] = []
    public var counts = MigrationCounts()

    /// The plan for `copy`.
    ///
    /// - Parameters:
    ///   - copied: the rows an earlier run copied or linked (never copied again, counted).
    ///   - teamEmails: every e-mail address of the team's contacts, lowercased -> contact id.
    ///   - teamEvents: the `eventKey` of every event of the team: an event the team has
    ///     already (its calendar imported there too) is not copied, nor its reminders.
    ///     Addresses shared by two contacts of the personal store itself (added there with
    ///     allowDuplicate) stay as they are: both are copied.
    ///
    /// Reminders taken: pending custom ones (not snoozes: they bring back an inbox item the
    /// team does not have), and a follow-up or let-go step of an outreach copied in THIS
    /// run; a later step of an outreach copied earlier is the team's to plan (the team
    /// fired or replanned the step it got); a meeting's reminders with the meeting, and a
    /// keep-in-touch reminder with its contact (and its cadence), when copied in this run.
    /// An event's pending reminders come with the event when it is copied in this run.
    /// Those left are counted in `skippedReminders`.
    ///   - removed: the contacts an earlier run copied or linked that the team has removed
    ///     or forgotten since (a merge re-points the record at the kept contact): the
    ///     team's decision stands, so neither they nor anything about them (new outreach,
    ///     meetings, reminders) is copied again (counted in `removedInTeam`).
    public static func make(_ copy: PersonalStoreCopy, copied: Set<Key>, teamEmails: [String: Int64],
                            teamEvents: Set<String> = [], removed: Set<Int64> = []) -> MigrationPlan {
        var plan = MigrationPlan()
        var copy = copy
        if !removed.isEmpty { plan.counts.removedInTeam = copy.dropRows(about: removed, copied: copied) }
        for contact in copy.contacts {
            if copied.contains(Key(.contact, contact.id)) { plan.counts.alreadyCopied += 1; continue }
            if let match = contact.emails.lazy.compactMap({ teamEmails[$0.lowercased()] }).first {
                plan.links[contact.id] = match
                plan.counts.matchedByEmail += 1
            } else {
                plan.newContacts.append(contact)
                plan.counts.contacts += 1
            }
        }
        plan.newOutreach = notCopied(copy.outreach, .outreach, copied: copied, counts: &plan.counts)
        plan.counts.outreach = plan.newOutreach.count
        let outreachNow = Set(plan.newOutreach.map(\.id))
        let contactsNow = Set(plan.newContacts.map(\.id))
        plan.newMeetings = notCopied(copy.meetings, .meeting, copied: copied, counts: &plan.counts)
        plan.counts.meetings = plan.newMeetings.count
        let meetingsNow = Set(plan.newMeetings.map(\.id))
        for event in notCopied(copy.events, .event, copied: copied, counts: &plan.counts) {
            if teamEvents.contains(eventKey(event.uid, event.occurrenceID?.key)) {
                plan.counts.eventsInTeam += 1
            } else {
                plan.newEvents.append(event)
            }
        }
        plan.counts.events = plan.newEvents.count
        let eventsNow = Set(plan.newEvents.map(\.id))
        for pending in copy.reminders {
            let reminder = pending.reminder
            if copied.contains(Key(.reminder, reminder.id)) { plan.counts.alreadyCopied += 1; continue }
            let takes = switch reminder.kind {
            case .custom: !pending.isSnooze
            case .followUp, .letGo: pending.step != nil && reminder.outreachID.map(outreachNow.contains) == true
            case .meetingPrep, .meetingLeave, .thankYou: pending.meetingID.map(meetingsNow.contains) == true
            case .keepInTouch: reminder.contactID.map(contactsNow.contains) == true
            case .eventRSVP, .eventSoon, .eventLogPeople: pending.eventID.map(eventsNow.contains) == true
            }
            if takes {
                plan.newReminders.append(pending)
                plan.counts.reminders += 1
            } else {
                plan.counts.skippedReminders += 1
            }
        }
        return plan
    }

    /// An event's identity across stores: its UID and RECURRENCE-ID (a changed occurrence).
    public static func eventKey(_ uid: String, _ occurrence: String?) -> String { uid + "\u{1F}" + (occurrence ?? "") }

    /// The rows of `kind` an earlier run did not copy; the others are counted as such.
    private static func notCopied<Row: Identifiable>(_ rows: [Row], _ kind: Kind, copied: Set<Key>,
                                                     counts: inout MigrationCounts) -> [Row] where Row.ID == Int64 {
        rows.filter { row in
            guard copied.contains(Key(kind, row.id)) else { return true }
            counts.alreadyCopied += 1
            return false
        }
    }
}

/// What a `migrate` run did: rows copied, contacts linked to a team contact with the
/// same e-mail address instead, rows an earlier run copied, pending reminders a team store
/// does not take.
public struct MigrationCounts: Sendable, Equatable {
    public var contacts = 0
    public var matchedByEmail = 0
    public var outreach = 0
    public var meetings = 0
    public var reminders = 0
    public var events = 0
    /// Events the team has already (same UID and RECURRENCE-ID): not copied.
    public var eventsInTeam = 0
    public var alreadyCopied = 0
    /// Contacts the team removed since an earlier run, and the rows about them added to
    /// the personal store since: not copied again.
    public var removedInTeam = 0
    /// Reminders of events not copied (the team's has its own) and snoozes, a keep-in-touch reminder
    /// of a contact linked by e-mail (the team's contact keeps its own), and the later
    /// steps of a sequence an earlier run copied (the team plans those).
    public var skippedReminders = 0

    public init() {}
}

extension PersonalStoreCopy {
    /// Leaves out `gone` (contact ids) and every row not copied yet that is about them
    /// (their outreach and meetings, reminders tied to those or to the contacts); how many.
    mutating func dropRows(about gone: Set<Int64>, copied: Set<MigrationPlan.Key>) -> Int {
        func isNew(_ kind: MigrationPlan.Kind, _ id: Int64) -> Bool { !copied.contains(MigrationPlan.Key(kind, id)) }
        let outreachGone = Set(outreach.filter { gone.contains($0.contactID) }.map(\.id))
        let meetingsGone = Set(meetings.filter { gone.contains($0.contactID) }.map(\.id))
        var dropped = 0
        func drop<Row>(_ rows: inout [Row], where isAbout: (Row) -> Bool) {
            let count = rows.count
            rows.removeAll(where: isAbout)
            dropped += count - rows.count
        }
        drop(&contacts) { gone.contains($0.id) }
        drop(&outreach) { outreachGone.contains($0.id) && isNew(.outreach, $0.id) }
        drop(&meetings) { meetingsGone.contains($0.id) && isNew(.meeting, $0.id) }
        drop(&reminders) { pending in
            isNew(.reminder, pending.reminder.id) && (pending.reminder.contactID.map(gone.contains) == true
                || pending.reminder.outreachID.map(outreachGone.contains) == true || pending.meetingID.map(meetingsGone.contains) == true)
        }
        return dropped
    }
}
