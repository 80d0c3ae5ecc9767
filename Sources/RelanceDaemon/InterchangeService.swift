import Foundation
import Logging
import RelanceAPI
import RelanceCalendar
import RelanceCore
import RelanceInterchange
import RelanceStore
import VarlinkProtocol

/// Imports and exports: parsing is RelanceInterchange's and RelanceCalendar's, the
/// writes are one store transaction each.
struct InterchangeService: Sendable {
    let store: AppDatabase
    let events: EventPlanner
    let clock: any WallClock

    /// Reads a file a client names by its path: (path, file name, parameter) -> bytes.
    typealias PathReader = (String, String, String) throws -> Data

    /// The personal daemon's: the file read with the daemon's rights (its user's).
    static func readAsDaemon(_ path: String, name: String, field: String) throws -> Data {
        // The size first: a file over the bound is refused before it is read.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int {
            try ImportLimits.checkFileSize(size, name: name, field: field)
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw cannotRead(path, field: field) }
        return data
    }

    /// A team node's: only a file the caller owns (`owner`; nil, the node's own user or
    /// root: any), read through the descriptor whose owner is checked (`OwnedFile`).
    static func readOwned(by owner: uid_t?) -> PathReader {
        { path, name, field in
            do throws(OwnedFile.Failure) {
                return try OwnedFile.read(path, owner: owner, limit: ImportLimits.maximumFileBytes)
            } catch .tooLarge(let bytes) {
                try ImportLimits.checkFileSize(Int(bytes), name: name, field: field)
                throw cannotRead(path, field: field)
            } catch .notYours(let fileOwner) {
                throw ControlError.invalidParameter(field, reason: "\(path) belongs to uid \(fileOwner), not to you (uid \(owner ?? 0)): a team node reads only your own files for you; import a copy you own")
            } catch {
                throw cannotRead(path, field: field)
            }
        }
    }

    private static func cannotRead(_ path: String, field: String) -> VarlinkError {
        ControlError.invalidParameter(field,
            reason: "relanced cannot read \(path) (a service with a private /tmp cannot see files there; use a file in your home directory)")
    }

    /// The text of each file, from the call or read from its path with `read`.
    static func texts(_ files: [ImportFileInfo], read: PathReader = readAsDaemon) throws -> [(name: String, text: String)] {
        guard !files.isEmpty else { throw ControlError.invalidParameter("files", reason: "give at least one file") }
        return try files.enumerated().map { index, file in
            if let content = file.content { return (file.name, content) }
            guard let path = file.path else {
                throw ControlError.invalidParameter("files[\(index)]", reason: "give content or path")
            }
            let data = try read(path, file.name, "files[\(index)].path")
            guard let text = FoldedText.utf8(data) ?? String(data: data, encoding: .isoLatin1) else {
                throw ControlError.invalidParameter("files[\(index)]", reason: "\(file.name) is not text")
            }
            return (file.name, text)
        }
    }

    /// Contact files read, before any plan: the records, the rejected ones, and the
    /// rows of separators only.
    struct ContactInput {
        var imported: [ImportedContact] = []
        var rejections: [ImportRejection] = []
        var emptyRows: [SourceLocation] = []
    }

    /// Reads contact files; a file in which nothing is found is a rejection.
    static func readContacts(_ files: [ImportFileInfo], format name: String?, map: [String: String],
                             read: PathReader = readAsDaemon) throws -> ContactInput {
        let forced: ContactFormat? = try name.map { try ControlParameters.oneOf($0, "format") }
        for key in map.keys where ContactField(name: key) == nil {
            throw ControlError.invalidParameter("map", reason: "'\(key)' is not a contact field (name, first name, last name, email, organization, title, time zone, tags, notes, linkedin, phone, why)")
        }
        var input = ContactInput()
        for (name, text) in try texts(files, read: read) {
            let format = forced ?? ContactFormat.detect(text: text, fileName: name)
            let (result, empty) = format.read(text, file: name, map: map)
            input.emptyRows += empty
            input.imported += result.contacts
            input.rejections += result.rejections
            if result.contacts.isEmpty && result.rejections.isEmpty {
                // Garbage, an empty file, or a format that matches nothing in it: say so
                // rather than report "Added 0" as a success.
                input.rejections.append(ImportRejection(file: name, line: 1, reason:
                    "no contact found in it as \(format.rawValue) (is it a .vcf or a .csv? give --format to say which)"))
            }
        }
        try ImportLimits.checkCount(input.imported.count + input.rejections.count, limit: ImportLimits.maximumContacts, kind: "contacts")
        return input
    }

    /// The store writes of a contact import's plan.
    static func contactMutations(_ plan: ImportPlan, existing: [Contact]) -> [ContactMutation] {
        var mutations: [ContactMutation] = plan.entries.compactMap { entry in
            if case .add(let draft, let firstInteraction) = entry.action { return .add(draft, firstInteraction: firstInteraction) }
            return nil
        }
        mutations += plan.updatedContacts(from: existing).map { .update($0) }
        return mutations
    }

    func importContacts(_ p: ImportContacts.Parameters, rules: TimingRules) throws -> ImportReportInfo {
        try Self.importContacts(p, contacts: store.contacts) { plan in
            _ = try store.importContacts(now: clock.now(), rules: rules, plan: plan)
        }
    }

    /// A contact import, whatever the store: the files read, then a dry run or a refusal
    /// planned on `contacts()`, or `apply` given the plan to run inside the store's one
    /// transaction (on the contacts as they are then).
    static func importContacts(_ p: ImportContacts.Parameters, read: PathReader = readAsDaemon, contacts: () throws -> [Contact],
                               apply: (([Contact]) throws -> [ContactMutation]) throws -> Void) throws -> ImportReportInfo {
        let input = try readContacts(p.files, format: p.format, map: p.map ?? [:], read: read)
        let blocked = !input.rejections.isEmpty && p.skipInvalid != true
        if p.dryRun == true || blocked {
            let plan = MergePlanner.plan(existing: try contacts(), imported: input.imported, rejections: input.rejections)
            let report = report(plan, applied: false, emptyRows: input.emptyRows)
            if blocked && p.dryRun != true { throw ControlError.importRejected(report) }
            return report
        }
        var planned: ImportPlan?
        try apply { existing in
            let plan = MergePlanner.plan(existing: existing, imported: input.imported, rejections: input.rejections)
            planned = plan
            return contactMutations(plan, existing: existing)
        }
        return report(planned!, applied: true, emptyRows: input.emptyRows)
    }

    /// One line per record, its notes (a card named after its address, a value ignored)
    /// indented under it, then one "skip empty row (file:line)" per row of separators.
    static func report(_ plan: ImportPlan, applied: Bool, emptyRows: [SourceLocation] = []) -> ImportReportInfo {
        let lines = plan.entries.flatMap { [$0.summary] + $0.notes.map { "  note: " + $0 } }
            + emptyRows.map { "skip empty row (\($0)): only separators, no contact" }
        return ImportReportInfo(added: plan.counts.add, merged: plan.counts.merge, skipped: plan.counts.skip + emptyRows.count,
                                rejected: plan.counts.rejected, lines: lines,
                                rejections: plan.rejections.map(\.description), applied: applied)
    }

    /// Calendar files read, before any plan: each VEVENT with its file:line, and the
    /// rejections (unreadable VEVENTs, files without any, holiday calendars).
    struct CalendarInput {
        var parsed: [(location: String, event: ICSEvent)] = []
        var rejections: [String] = []
    }

    static func readCalendars(_ files: [ImportFileInfo], read: PathReader = readAsDaemon) throws -> CalendarInput {
        var input = CalendarInput()
        for (name, text) in try texts(files, read: read) {
            do {
                let result = try ICSParser.parse(text)
                if HolidayCalendar.looksLikeHolidays(result.events) {
                    // 81 public holidays as networking events would each bring an RSVP
                    // prompt; they are days off for the business calendar.
                    input.rejections.append("\(name): looks like a calendar of public holidays (\(result.events.count) all-day, yearly "
                        + "events without attendees), not events to go to; nothing imported from it. To keep follow-ups off "
                        + "those days, import it with `relancectl import --holidays \(name)`")
                    continue
                }
                input.parsed += result.events.map { ("\(name):\($0.line ?? 0)", $0) }
                // Each unreadable VEVENT on its own line, "team.ics:12: DTSTART …".
                input.rejections += result.rejections.map { error in
                    "\(name)\(error.line.map { ":\($0)" } ?? ""): \(error.message)" + (error.uid.map { " (UID \($0))" } ?? "")
                }
                if result.vevents == 0 {
                    // An empty file, or a calendar of tasks or free/busy: say so rather
                    // than report "Added 0" as a success.
                    input.rejections.append("\(name): no VEVENT in it, so no event to import (is it the calendar you meant? "
                                            + "an export of events has BEGIN:VEVENT … END:VEVENT blocks)")
                }
            } catch let error as CalendarError {
                input.rejections.append("\(name)\(error.line.map { ":\($0)" } ?? ""): \(error.message)")
            } catch {
                input.rejections.append("\(name): \(error)")
            }
        }
        try ImportLimits.checkCount(input.parsed.count, limit: ImportLimits.maximumEvents, kind: "events")
        return input
    }

    /// Plans a calendar import on the events as stored: the report, and the writes
    /// (the mutations, the cancelled series to remember or forget).
    static func planEvents(_ input: CalendarInput, stored: [NetworkingEvent], tombstones: [String: EventVersion], rules: TimingRules,
                           now: Date, skipInvalid: Bool) throws
        -> (report: ImportReportInfo, mutations: [EventMutation], cancelled: [String: EventVersion?]) {
        let events = input.parsed.map(\.event)
        let entries = EventImportPlanner.plan(events, stored: stored, userZone: rules.userZone,
                                              defaultReminders: rules.eventReminders, tombstones: tombstones)
        let report = report(entries, input.parsed, input.rejections, applied: true, skipInvalid: skipInvalid)
        // A rejected event has no effects: with skipInvalid the others are written.
        guard report.rejected == 0 || skipInvalid else { return (report, [], [:]) }
        return (report, try mutations(entries.flatMap(\.effects), stored: stored, now: now),
                Self.tombstones(events, entries, remembered: tombstones))
    }

    /// The report of a calendar import that writes nothing (a dry run, or rejections).
    static func dryEvents(_ input: CalendarInput, stored: StoredEvents, rules: TimingRules) throws -> ImportReportInfo {
        let (events, tombstones) = try stored()
        let entries = EventImportPlanner.plan(input.parsed.map(\.event), stored: events, userZone: rules.userZone,
                                              defaultReminders: rules.eventReminders, tombstones: tombstones)
        return report(entries, input.parsed, input.rejections, applied: false)
    }

    /// The events as stored and the series remembered as cancelled, for a plan that writes nothing.
    typealias StoredEvents = () throws -> (events: [NetworkingEvent], cancelled: [String: EventVersion])
    /// A calendar import's plan, run by the store inside its transaction on the events and
    /// cancelled series as they are then: the mutations, and the series to remember or forget.
    typealias EventPlan = ([NetworkingEvent], [String: EventVersion]) throws
        -> (mutations: [EventMutation], cancelled: [String: EventVersion?])

    /// Imports calendars as a calendar client would (issue #12): `EventImportPlanner`
    /// decides per VEVENT (add, update a newer version, cancel, keep a changed occurrence,
    /// skip an older or equal one); the writes, with the reminders of every added or
    /// moved occurrence, are ONE transaction, or nothing when any event is rejected.
    /// - Returns: the report, and the ids of the events added.
    func importEvents(_ p: ImportEvents.Parameters, rules: TimingRules) throws -> (ImportReportInfo, [Int64]) {
        let now = clock.now()
        return try Self.importEvents(p, rules: rules, now: now, stored: { (try store.events(), try store.cancelledSeries()) }) { plan in
            try store.importEvents(now: now, rules: rules, plan: plan).added
        }
    }

    /// A calendar import, whatever the store: the files read (with `read`), then a dry run
    /// or a refusal planned on `stored()`, or `apply` given the plan to run inside the
    /// store's one transaction; it returns the ids of the events added.
    static func importEvents(_ p: ImportEvents.Parameters, read: PathReader = readAsDaemon, rules: TimingRules, now: Date,
                             stored: StoredEvents, apply: (EventPlan) throws -> [Int64]) throws -> (ImportReportInfo, [Int64]) {
        let input = try readCalendars(p.files, read: read)
        let skipInvalid = p.skipInvalid == true
        if p.dryRun == true || (!input.rejections.isEmpty && !skipInvalid) {
            let report = try dryEvents(input, stored: stored, rules: rules)
            if p.dryRun != true { throw ControlError.importRejected(report) }
            return (report, [])
        }
        var report: ImportReportInfo?
        do {
            let added = try apply { stored, tombstones in
                let planned = try planEvents(input, stored: stored, tombstones: tombstones, rules: rules, now: now, skipInvalid: skipInvalid)
                report = planned.report
                guard planned.report.rejected == 0 || skipInvalid else { throw ImportAborted() }
                return (planned.mutations, planned.cancelled)
            }
            return (report!, added)
        } catch is ImportAborted {
            report!.applied = false
            throw ControlError.importRejected(report!)
        }
    }

    /// Contacts and calendars named together (issue #12): both planned and written in ONE
    /// store transaction, so a failure on either side (a rejected record, a write that
    /// fails) leaves nothing of the other.
    /// - Returns: the two reports, the ids of the events added, and the schedule changes.
    func importTogether(_ p: Import.Parameters, rules: TimingRules) throws
        -> (contacts: ImportReportInfo, events: ImportReportInfo, added: [Int64]) {
        let now = clock.now()
        return try Self.importTogether(p, rules: rules, now: now, contacts: store.contacts,
                                       stored: { (try store.events(), try store.cancelledSeries()) }) { contacts, events in
            try store.importContactsAndEvents(now: now, rules: rules, contacts: contacts, events: events).events.added
        }
    }

    /// Contacts and calendars together, whatever the store: `apply` is given both plans to
    /// run inside the store's one transaction, and returns the ids of the events added.
    static func importTogether(_ p: Import.Parameters, read: PathReader = readAsDaemon, rules: TimingRules, now: Date,
                               contacts: () throws -> [Contact], stored: StoredEvents,
                               apply: (([Contact]) throws -> [ContactMutation], EventPlan) throws -> [Int64]) throws
        -> (contacts: ImportReportInfo, events: ImportReportInfo, added: [Int64]) {
        let contactInput = try readContacts(p.contacts, format: p.format, map: p.map ?? [:], read: read)
        let calendarInput = try readCalendars(p.calendars, read: read)
        let skipInvalid = p.skipInvalid == true
        let blocked = !skipInvalid && !(contactInput.rejections.isEmpty && calendarInput.rejections.isEmpty)
        if p.dryRun == true || blocked {
            let plan = MergePlanner.plan(existing: try contacts(), imported: contactInput.imported,
                                         rejections: contactInput.rejections)
            let contacts = report(plan, applied: false, emptyRows: contactInput.emptyRows)
            let events = try dryEvents(calendarInput, stored: stored, rules: rules)
            if p.dryRun != true { throw ControlError.importRejected(joined(contacts, events)) }
            return (contacts, events, [])
        }
        var contactReport: ImportReportInfo?
        var eventReport: ImportReportInfo?
        do {
            let added = try apply({ existing in
                let plan = MergePlanner.plan(existing: existing, imported: contactInput.imported, rejections: contactInput.rejections)
                contactReport = report(plan, applied: true, emptyRows: contactInput.emptyRows)
                return contactMutations(plan, existing: existing)
            }, { stored, tombstones in
                let planned = try planEvents(calendarInput, stored: stored, tombstones: tombstones, rules: rules, now: now,
                                             skipInvalid: skipInvalid)
                eventReport = planned.report
                guard planned.report.rejected == 0 || skipInvalid else { throw ImportAborted() }
                return (planned.mutations, planned.cancelled)
            })
            return (contactReport!, eventReport!, added)
        } catch is ImportAborted {
            contactReport!.applied = false
            eventReport!.applied = false
            throw ControlError.importRejected(joined(contactReport!, eventReport!))
        }
    }

    /// One report of two (an ImportRejected error carries one): counts summed, lines and
    /// rejections one after the other.
    static func joined(_ a: ImportReportInfo, _ b: ImportReportInfo) -> ImportReportInfo {
        ImportReportInfo(added: a.added + b.added, merged: a.merged + b.merged, skipped: a.skipped + b.skipped,
                         rejected: a.rejected + b.rejected, lines: a.lines + b.lines, rejections: a.rejections + b.rejections,
                         applied: a.applied && b.applied)
    }

    /// `import --holidays` (issue #12): the files' dates become days off of the business
    /// calendar, stored, and the pending reminders are re-planned under the new rules, in
    /// ONE transaction; then `configuration` has them, so every later rule skips them.
    /// A day already known is skipped; an unreadable file imports nothing.
    func importHolidays(_ p: ImportEvents.Parameters, configuration: LiveConfiguration) throws -> ImportReportInfo {
        try Self.importHolidays(p, now: clock.now(), configuration: configuration, stored: store.holidays) { fresh in
            try store.importHolidays(fresh, rules: { days in
                LiveConfiguration.rules(configuration.current.rules, with: days)
            }, now: clock.now()).added
        }
    }

    /// Imported holidays with their names, and the configured ones, by date (`ListHolidays`).
    static func holidays(imported: [ImportedHoliday], configuration: LiveConfiguration) -> [HolidayInfo] {
        let importedDates = Set(imported.map(\.date))
        let configured = configuration.configuredHolidays.subtracting(importedDates)
            .map { HolidayInfo(date: $0.description, name: nil, source: "config") }
        let all = imported.map { HolidayInfo(date: $0.date.description, name: $0.name, source: $0.source) } + configured
        return all.sorted { $0.date < $1.date }
    }

    /// The flow of `import --holidays` on either store: the files read (through `read`),
    /// checked, reported; `add` stores the days not configured already and re-plans, in
    /// one transaction, returning those it added.
    static func importHolidays(_ p: ImportEvents.Parameters, read: PathReader = readAsDaemon, now: Date,
                               configuration: LiveConfiguration, stored: () throws -> [ImportedHoliday],
                               add: ([ImportedHoliday]) throws -> [ImportedHoliday]) throws -> ImportReportInfo {
        var found: [ImportedHoliday] = []
        var rejections: [String] = []
        // Yearly rules through ten years from now, even one whose DTSTART is long past
        // (HolidayCalendar's default counts ten years from DTSTART).
        let thisYear = LocalDate(now, in: TimeZone(identifier: "UTC")!).year
        let through = LocalDate(year: thisYear + 10, month: 12, day: 31)
        for (name, text) in try texts(p.files, read: read) {
            do {
                let days = try HolidayCalendar.namedHolidays(fromICS: text, through: through)
                if days.isEmpty {
                    rejections.append("\(name): no holiday in it (no VEVENT); a holiday calendar lists each day off as an all-day VEVENT")
                }
                // Past years matter to no reminder: from 1 January of this year on.
                found += days.filter { $0.date.year >= thisYear }.map { ImportedHoliday(date: $0.date, name: $0.name, source: name) }
            } catch let error as CalendarError {
                rejections.append("\(name)\(error.line.map { ":\($0)" } ?? ""): \(error.message)")
            }
        }
        try ImportLimits.checkCount(found.count, limit: ImportLimits.maximumEvents, kind: "holidays")
        var seen = Set<LocalDate>()
        found = found.filter { seen.insert($0.date).inserted }  // the first file's name for a shared day
        func report(added: Set<LocalDate>, applied: Bool) -> ImportReportInfo {
            let lines = found.map { holiday in
                added.contains(holiday.date) ? "holiday \(holiday.date) \(holiday.name) (\(holiday.source))"
                    : "skip \(holiday.date) \(holiday.name) (\(holiday.source)): already a holiday"
            }
            return ImportReportInfo(added: added.count, merged: 0, skipped: found.count - added.count, rejected: rejections.count,
                                    lines: lines, rejections: rejections, applied: applied)
        }
        if p.dryRun == true || !rejections.isEmpty {
            let known = Set(try stored().map(\.date)).union(configuration.configuredHolidays)
            let result = report(added: Set(found.map(\.date)).subtracting(known), applied: false)
            if p.dryRun != true { throw ControlError.importRejected(result) }
            return result
        }
        let configured = configuration.configuredHolidays
        let added = try add(found.filter { !configured.contains($0.date) })
        configuration.importedHolidays = Set(try stored().map(\.date))
        return report(added: Set(added.map(\.date)), applied: true)
    }

    /// The cancelled series to remember (issue #12): each cancelled series of the import,
    /// with its version unless an even newer cancellation is remembered; and to forget
    /// (nil): a series a newer copy brought back.
    static func tombstones(_ events: [ICSEvent], _ entries: [EventImportPlanner.Entry],
                           remembered: [String: EventVersion]) -> [String: EventVersion?] {
        var result: [String: EventVersion?] = [:]
        for (event, entry) in zip(events, entries) where event.recurrenceID == nil && event.relanceKind == nil {
            if event.isCancelled {
                let known = (result[event.uid] ?? nil) ?? remembered[event.uid]
                if known.map({ !$0.supersedes(event.version) }) ?? true { result[event.uid] = .some(event.version) }
            } else if remembered[event.uid] != nil, entry.outcome == .add {
                result[event.uid] = .some(nil)
            }
        }
        return result
    }

    /// Thrown from inside the import transaction to roll it back when an event is rejected.
    private struct ImportAborted: Error {}

    /// The planner's effects as store mutations, with the occurrences to plan reminders
    /// for: an added or updated event's next ones; a series losing occurrences gets its
    /// look-ahead without them (all its exclusions at once).
    func mutations(_ effects: [EventImportPlanner.Effect], stored: [NetworkingEvent], now: Date) throws -> [EventMutation] {
        try Self.mutations(effects, stored: stored, now: now)
    }

    /// `mutations`, whatever the store (occurrences expanded by `EventPlanner`'s rules).
    static func mutations(_ effects: [EventImportPlanner.Effect], stored: [NetworkingEvent], now: Date) throws -> [EventMutation] {
        let byID = Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0) })
        var result: [EventMutation] = []
        var exclusions: [(id: Int64, exdates: [LocalDateTime])] = []
        for effect in effects {
            switch effect {
            case .add(let event):
                result.append(.add(EventDraft(event), occurrences: try EventPlanner.occurrences(event, after: now, limit: EventPlanner.lookahead)))
            case .update(let id, let event):
                result.append(.update(id: id, EventDraft(event), occurrences: try EventPlanner.occurrences(event, after: now, limit: EventPlanner.lookahead)))
            case .recordVersion(let id, let version):
                result.append(.recordVersion(id: id, version))
            case .remove(let id):
                result.append(.remove(id: id))
            case .exclude(let id, let exdate):
                if let index = exclusions.firstIndex(where: { $0.id == id }) {
                    exclusions[index].exdates.append(exdate)
                } else {
                    exclusions.append((id, [exdate]))
                }
            }
        }
        for (id, exdates) in exclusions {
            guard var series = byID[id], let recurrence = series.recurrence else { continue }
            let missing = exdates.filter { !recurrence.exdates.contains($0) }
            guard !missing.isEmpty else { continue }
            series.recurrence!.exdates += missing
            result.append(.exclude(id: id, exdates: missing, occurrences: try EventPlanner.occurrences(series, after: now, limit: EventPlanner.lookahead)))
        }
        return result
    }

    /// One line per VEVENT ("update Founders meetup (team.ics:12): updated to SEQUENCE 2: time …"),
    /// rejections with their file and line. `merged` counts the events updated or cancelled.
    static func report(_ entries: [EventImportPlanner.Entry], _ parsed: [(location: String, event: ICSEvent)],
                       _ parseRejections: [String], applied: Bool, skipInvalid: Bool = false) -> ImportReportInfo {
        var lines: [String] = []
        var rejections = parseRejections
        var counts: [EventImportPlanner.Outcome: Int] = [:]
        for (entry, (location, event)) in zip(entries, parsed) {
            counts[entry.outcome, default: 0] += 1
            let title = event.summary ?? "(untitled)"
            if entry.outcome == .reject {
                rejections.append("\(location): \(entry.note ?? "rejected")")
            } else {
                lines.append("\(entry.outcome.rawValue) \(title) (\(location))" + (entry.note.map { ": " + $0 } ?? ""))
            }
        }
        return ImportReportInfo(added: counts[.add] ?? 0, merged: (counts[.update] ?? 0) + (counts[.cancel] ?? 0),
                                skipped: counts[.skip] ?? 0, rejected: rejections.count, lines: lines,
                                rejections: rejections, applied: applied && (rejections.isEmpty || skipInvalid))
    }

    func export(_ format: String, rules: TimingRules) throws -> String {
        let now = clock.now()
        return try Self.export(format, now: now, contacts: store.contacts) {
            (try store.upcoming(limit: 100_000), try store.meetings(from: now), try store.events())
        }
    }

    /// The address book as vCard, or what is coming (reminders, meetings, events) as
    /// iCalendar, whatever the store.
    static func export(_ format: String, now: Date, contacts: () throws -> [Contact],
                       calendar: () throws -> (reminders: [Reminder], meetings: [Meeting], events: [NetworkingEvent])) throws -> String {
        switch format {
        case "vcf":
            return VCardWriter.write(try contacts())
        case "ics":
            let byID = Dictionary(uniqueKeysWithValues: try contacts().map { ($0.id, $0) })
            let (reminders, meetings, events) = try calendar()
            return ICalendarWriter.write(reminders: reminders, meetings: meetings, events: events, contactsByID: byID, now: now)
        default:
            throw ControlError.invalidParameter("format", reason: "'\(format)' is not ics or vcf")
        }
    }
}
