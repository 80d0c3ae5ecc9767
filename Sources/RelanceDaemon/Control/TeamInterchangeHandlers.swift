import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import RelanceTeamStore
import VarlinkProtocol

// Contacts and calendars in and out on a team node: the personal daemon's vCard, CSV and
// iCalendar imports (the same reading, plan and report, `InterchangeService`), and its
// exports, and holiday calendars: the team's days off, which every node plans with.

extension TeamControlService {
    /// Registers ImportContacts, ImportEvents (holidays too), ListHolidays, Import and Export,
    /// and refuses Backup, ListSnapshots and Restore, saying what backs a team up instead.
    static func registerInterchangeHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(ImportContacts.self, readOnly: false) { call, p in
            try call.service.importContacts(p, owner: try call.teamUser(), uid: call.uid)
        }
        handlers.register(ImportEvents.self, readOnly: false) { call, p in
            if p.holidays == true { return try call.service.importHolidays(p, by: call.user, uid: call.uid) }
            return try call.service.importEvents(p, owner: try call.teamUser(), uid: call.uid, rules: try call.rules())
        }
        handlers.register(ListHolidays.self, readOnly: true) { call, _ in
            ListHolidays.Reply(holidays: InterchangeService.holidays(imported: try call.service.store.holidays(),
                                                                      configuration: call.service.liveConfiguration))
        }
        handlers.register(Import.self, readOnly: false) { call, p in
            try call.service.importTogether(p, owner: try call.teamUser(), uid: call.uid, rules: try call.rules())
        }
        handlers.register(Export.self, readOnly: true) { call, p in try call.service.export(p) }
        // The personal daemon's backups are its SQLite file's; a team's state is one
        // database every node shares, copied consistently while the nodes run and put
        // back whole while they are stopped: PostgreSQL's own tools do both.
        handlers.register(Backup.self, readOnly: true) { _, _ in throw notOnTeamNode(Backup.self) }
        handlers.register(ListSnapshots.self, readOnly: true) { _, _ in throw notOnTeamNode(ListSnapshots.self) }
        handlers.register(Restore.self, readOnly: true) { _, _ in throw notOnTeamNode(Restore.self) }
    }

    private static func notOnTeamNode<M: ControlMethod>(_ method: M.Type) -> VarlinkError {
        ControlError.notOnTeamNode(method: M.name, reason: backupAdvice)
    }

    static let backupAdvice = "a team's state is its PostgreSQL database, shared by every node: back it up with "
        + "`pg_dump -Fc` (consistent while the nodes run) and put it back with `pg_restore` while every node is "
        + "stopped (README: Team mode, backing up)"

    /// All or nothing, in one transaction; new contacts are the caller's. A file named by
    /// its path is read only if the caller owns it, as `migrate` reads (the node would
    /// read anything else with its own rights, for whichever team user asked).
    private func importContacts(_ p: ImportContacts.Parameters, owner: String, uid: UInt32?) throws -> ImportReply {
        let read = InterchangeService.readOwned(by: Self.requiredOwner(caller: uid))
        let report = try InterchangeService.importContacts(p, read: read, contacts: { try store.contacts().map(\.contact) }) { plan in
            _ = try store.importContacts(now: clock.now(), rules: rules(), owner: owner, plan: plan)
        }
        if report.applied {
            logger.notice("\(owner) imported contacts: \(report.added) added, \(report.merged) merged, \(report.skipped) skipped, \(report.rejected) rejected")
        }
        return ImportReply(report: report)
    }

    /// Calendars as the personal daemon imports them, all or nothing in one transaction:
    /// the caller goes to the events added (their reminders are the caller's, planned in
    /// the caller's zone and window, as floating times are read); an update or
    /// cancellation of an event someone else goes to is refused, naming them. Files by
    /// path: the caller's own only.
    private func importEvents(_ p: ImportEvents.Parameters, owner: String, uid: UInt32?, rules: TimingRules) throws -> ImportReply {
        let read = InterchangeService.readOwned(by: Self.requiredOwner(caller: uid))
        let now = clock.now()
        let (report, _) = try InterchangeService.importEvents(p, read: read, rules: rules, now: now, stored: storedEvents) { plan in
            try store.importEvents(now: now, rules: rules, owner: owner, plan: plan)
        }
        if report.applied {
            logger.notice("\(owner) imported \(report.added) event(s), updated or cancelled \(report.merged), skipped \(report.skipped)")
        }
        return ImportReply(report: report)
    }

    /// The team's days off from holiday calendars, as the personal daemon imports its own:
    /// stored and planned around in one transaction, then every node plans with them
    /// (each hears of them through the database). Anyone the node serves may import them.
    private func importHolidays(_ p: ImportEvents.Parameters, by user: String?, uid: UInt32?) throws -> ImportReply {
        let read = InterchangeService.readOwned(by: Self.requiredOwner(caller: uid))
        let report = try InterchangeService.importHolidays(p, read: read, now: clock.now(), configuration: liveConfiguration,
                                                           stored: store.holidays) { fresh in
            try store.importHolidays(fresh, by: user, rules: { days in
                LiveConfiguration.rules(liveConfiguration.current.rules, with: days)
            }, now: clock.now())
        }
        if report.applied { logger.notice("\(user ?? "the node") imported \(report.added) holiday(s), skipped \(report.skipped)") }
        return ImportReply(report: report)
    }

    /// Contacts and calendars together, in ONE transaction (the rules of both imports above).
    private func importTogether(_ p: Import.Parameters, owner: String, uid: UInt32?, rules: TimingRules) throws -> Import.Reply {
        let read = InterchangeService.readOwned(by: Self.requiredOwner(caller: uid))
        let now = clock.now()
        let (contacts, events, _) = try InterchangeService.importTogether(
            p, read: read, rules: rules, now: now, contacts: { try store.contacts().map(\.contact) }, stored: storedEvents
        ) { contacts, events in
            try store.importContactsAndEvents(now: now, rules: rules, owner: owner, contacts: contacts, events: events)
        }
        if contacts.applied {
            logger.notice("\(owner) imported together \(contacts.added) contact(s) added, \(contacts.merged) merged; \(events.added) event(s) added, \(events.skipped) skipped")
        }
        return Import.Reply(contacts: contacts, events: events)
    }

    private func storedEvents() throws -> (events: [NetworkingEvent], cancelled: [String: EventVersion]) {
        (try store.events().map(\.event), try store.cancelledSeries())
    }

    /// The team's address book, or what is coming for the team (reminders, meetings, events).
    private func export(_ p: Export.Parameters) throws -> Export.Reply {
        Export.Reply(text: try export(p.format))
    }

    /// `format` "vcf" or "ics", as `Export` answers it (the ics is also the calendar file).
    func export(_ format: String) throws -> String {
        let now = clock.now()
        return try InterchangeService.export(format, now: now, contacts: { try store.contacts().map(\.contact) }) {
            (try store.upcoming(limit: 100_000), try store.meetings(from: now).map(\.meeting), try store.events().map(\.event))
        }
    }
}
