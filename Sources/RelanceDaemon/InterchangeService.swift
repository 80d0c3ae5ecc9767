import Foundation
import Logging
import RelanceAPI
import RelanceCalendar
import RelanceCore
import RelanceInterchange
import RelanceStore

/// Imports and exports: parsing is RelanceInterchange's and RelanceCalendar's, the
/// writes are one store transaction each.
struct InterchangeService: Sendable {
    let store: AppDatabase
    let events: EventPlanner
    let clock: any WallClock

    /// The text of each file, from the call or read from its path.
    static func texts(_ files: [ImportFileInfo]) throws -> [(name: String, text: String)] {
        guard !files.isEmpty else { throw ControlError.invalidParameter("files", reason: "give at least one file") }
        return try files.enumerated().map { index, file in
            if let content = file.content { return (file.name, content) }
            guard let path = file.path else {
                throw ControlError.invalidParameter("files[\(index)]", reason: "give content or path")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ControlError.invalidParameter("files[\(index)].path",
                    reason: "relanced cannot read \(path) (a service with a private /tmp cannot see files there; use a file in your home directory)")
            }
            guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
                throw ControlError.invalidParameter("files[\(index)]", reason: "\(file.name) is not text")
            }
            return (file.name, text)
        }
    }

    func importContacts(_ p: ImportContacts.Parameters, rules: TimingRules) throws -> (ImportReportInfo, ScheduleChanges) {
        var forced: ContactFormat?
        if let name = p.format {
            guard let format = ContactFormat(rawValue: name) else {
                throw ControlError.invalidParameter("format", reason: "'\(name)' is not one of \(ContactFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            forced = format
        }
        for key in (p.map ?? [:]).keys where ContactField(name: key) == nil {
            throw ControlError.invalidParameter("map", reason: "'\(key)' is not a contact field (name, first name, last name, email, organization, title, time zone, tags, notes, linkedin, phone, why)")
        }
        var imported: [ImportedContact] = []
        var rejections: [ImportRejection] = []
        for (name, text) in try Self.texts(p.files) {
            let format = forced ?? ContactFormat.detect(text: text, fileName: name)
            let result = format.parse(text, file: name, map: p.map ?? [:])
            imported += result.contacts
            rejections += result.rejections
            if result.contacts.isEmpty && result.rejections.isEmpty {
                // Garbage, an empty file, or a format that matches nothing in it: say so
                // rather than report "Added 0" as a success.
                rejections.append(ImportRejection(file: name, line: 1, reason:
                    "no contact found in it as \(format.rawValue) (is it a .vcf or a .csv? give --format to say which)"))
            }
        }
        let blocked = !rejections.isEmpty && p.skipInvalid != true
        if p.dryRun == true || blocked {
            let plan = MergePlanner.plan(existing: try store.contacts(), imported: imported, rejections: rejections)
            let report = Self.report(plan, applied: false)
            if blocked && p.dryRun != true { throw ControlError.importRejected(report) }
            return (report, ScheduleChanges())
        }
        var planned: ImportPlan?
        let (_, _, changes) = try store.importContacts(now: clock.now(), rules: rules) { existing in
            let plan = MergePlanner.plan(existing: existing, imported: imported, rejections: rejections)
            planned = plan
            var mutations: [ContactMutation] = plan.entries.compactMap { entry in
                if case .add(let draft, let firstInteraction) = entry.action { return .add(draft, firstInteraction: firstInteraction) }
                return nil
            }
            mutations += plan.updatedContacts(from: existing).map { .update($0) }
            return mutations
        }
        return (Self.report(planned!, applied: true), changes)
    }

    static func report(_ plan: ImportPlan, applied: Bool) -> ImportReportInfo {
        ImportReportInfo(added: plan.counts.add, merged: plan.counts.merge, skipped: plan.counts.skip,
                         rejected: plan.counts.rejected, lines: plan.entries.map(\.summary),
                         rejections: plan.rejections.map(\.description), applied: applied)
    }

    func importEvents(_ p: ImportEvents.Parameters, rules: TimingRules) throws -> (ImportReportInfo, [Int64]) {
        var drafts: [EventDraft] = []
        var lines: [String] = []
        var rejections: [String] = []
        var skipped = 0
        var known = try store.eventUIDs()
        for (name, text) in try Self.texts(p.files) {
            let parsed: [ICSEvent]
            do {
                parsed = try ICSParser.events(fromICS: text)
            } catch {
                rejections.append("\(name): \(error)")
                continue
            }
            for event in parsed {
                let location = "\(name):\(event.line ?? 0)"
                let title = event.summary ?? "(untitled)"
                if known.contains(event.uid) || event.recurrenceID != nil {
                    skipped += 1
                    lines.append("skip \(title) (\(location)): " + (event.recurrenceID != nil ? "a changed occurrence (kept as in the series)" : "already imported (UID \(event.uid))"))
                    continue
                }
                do {
                    drafts.append(try Self.draft(event, rules: rules))
                    known.insert(event.uid)
                    lines.append("add \(title) (\(location))")
                } catch {
                    rejections.append("\(location): \(error)")
                }
            }
        }
        let applied = p.dryRun != true && rejections.isEmpty
        let report = ImportReportInfo(added: drafts.count, merged: 0, skipped: skipped, rejected: rejections.count,
                                      lines: lines, rejections: rejections, applied: applied)
        if !rejections.isEmpty && p.dryRun != true { throw ControlError.importRejected(report) }
        guard applied else { return (report, []) }
        let created = try store.addEvents(drafts, rules: rules, now: clock.now())
        return (report, created.map(\.id))
    }

    /// An imported VEVENT as a Relance event; floating and all-day times are read in the
    /// user's zone, VALARM offsets become its reminders.
    static func draft(_ event: ICSEvent, rules: TimingRules) throws -> EventDraft {
        let zone = event.timeZone ?? rules.userZone
        let start = event.start.instant(in: zone)
        var duration: TimeInterval = event.isAllDay ? 86_400 : 3600
        if let end = event.end {
            duration = end.instant(in: zone).timeIntervalSince(start)
        } else if let text = event.duration {
            duration = try ISODuration(parsing: text).added(to: start, in: zone).timeIntervalSince(start)
        }
        guard duration > 0 else { throw ValidationError(field: "DTEND", reason: "ends before it starts") }
        // Calendar leads (-P1D stays one day before, across DST), exact ones otherwise.
        let reminders = event.alarmOffsets.isEmpty ? nil : EventReminders.boundedLeads(event.alarmLeads)
        var recurrence: EventRecurrence?
        if let r = event.recurrence {
            if let rrule = r.rrule { try RecurrenceExpander.validate(rrule: rrule) }
            recurrence = EventRecurrence(rrule: r.rrule, exdates: r.exdates, rdates: r.rdates)
        }
        return EventDraft(uid: event.uid, title: event.summary ?? "(untitled)", start: event.start, timeZone: zone.identifier,
                          duration: duration, place: event.location.map(oneLine), url: event.url.map(oneLine),
                          details: event.description, recurrence: recurrence, reminders: reminders)
    }

    private static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: ", ").replacingOccurrences(of: "\n", with: ", ")
    }

    func export(_ format: String, rules: TimingRules) throws -> String {
        switch format {
        case "vcf":
            return VCardWriter.write(try store.contacts())
        case "ics":
            let now = clock.now()
            let contacts = Dictionary(uniqueKeysWithValues: try store.contacts().map { ($0.id, $0) })
            return ICalendarWriter.write(reminders: try store.upcoming(limit: 100_000), meetings: try store.meetings(from: now),
                                         events: try store.events(), contactsByID: contacts, now: now)
        default:
            throw ControlError.invalidParameter("format", reason: "'\(format)' is not ics or vcf")
        }
    }
}
