import ArgumentParser
import Foundation
import RelanceAPI
import VarlinkProtocol

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import contacts (vCard, LinkedIn Connections.csv, CSV) or events (.ics), all or nothing.",
        discussion: """
            The format comes from each file's content; --format forces one. Duplicates merge on an \
            e-mail address or a profile URL, never on the name alone; importing the same file twice \
            changes nothing. If any record cannot be read, nothing is imported and every rejected \
            record is listed with file:line (add --skip-invalid to import the others).
            Example: relancectl import Connections.csv google.vcf --dry-run
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The files.") var files: [String]
    @Option(name: .long, help: ArgumentHelp("vcard, linkedin-csv, csv or ics.", valueName: "format")) var format: String?
    @Option(name: .long, help: ArgumentHelp("For CSV: field=Column, e.g. name=\"Full Name\" (repeatable).", valueName: "field=column")) var map: [String] = []
    @Flag(name: .long, help: "Show what would be added, merged or skipped, and change nothing.") var dryRun = false
    @Flag(name: .long, help: "Import the valid records even when some are rejected.") var skipInvalid = false
    @Flag(name: .long, help: "The files are holiday calendars (.ics): their dates become days off, never events.") var holidays = false

    func run() async throws {
        try await Self.reporting {
            var mapping: [String: String] = [:]
            for entry in map {
                guard let equals = entry.firstIndex(of: "=") else {
                    throw CLIError(message: "--map '\(entry)': write field=Column, e.g. name=\"Full Name\"", code: 64)
                }
                mapping[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            }
            let progress = Progress(enabled: !global.json && isatty(2) == 1)
            var contacts: [ImportFileInfo] = []
            var calendars: [ImportFileInfo] = []
            for file in files {
                let url = URL(fileURLWithPath: file)
                progress.say("reading \(url.lastPathComponent)…")
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw CLIError(message: "cannot read \(file)", code: 66)
                }
                // Small files travel in the call; large ones are read by the daemon.
                var info = ImportFileInfo(name: url.lastPathComponent)
                if data.count < 400 << 10, let text = String(data: data, encoding: .utf8) { info.content = text } else { info.path = url.path }
                let head = String(decoding: data.prefix(4096), as: UTF8.self).uppercased()
                let isCalendar = holidays || format == "ics"
                    || (format == nil && (head.contains("BEGIN:VCALENDAR") || file.lowercased().hasSuffix(".ics")))
                if isCalendar { calendars.append(info) } else { contacts.append(info) }
            }
            var reports: [ImportReportInfo] = []
            do {
                // All the calls on one connection (issue #15).
                reports = try global.client.session { [contacts, calendars, format, mapping, dryRun, skipInvalid, holidays, progress] session in
                    var reports: [ImportReportInfo] = []
                    if holidays {
                        // Days off for the business calendar, stored; not events.
                        progress.say("importing \(calendars.count) holiday calendar\(calendars.count == 1 ? "" : "s")…")
                        return [try session.call(ImportEvents.self, .init(files: calendars, dryRun: dryRun, holidays: true)).report]
                    }
                    // Contacts and events named together go in one call, one transaction:
                    // a calendar that fails cannot leave the contacts imported alone.
                    if !contacts.isEmpty && !calendars.isEmpty {
                        progress.say("importing \(contacts.count + calendars.count) files…")
                        let reply = try session.call(Import.self, .init(
                            contacts: contacts, calendars: calendars, format: format == "ics" ? nil : format,
                            map: mapping.isEmpty ? nil : mapping, dryRun: dryRun, skipInvalid: skipInvalid))
                        return [reply.contacts, reply.events]
                    }
                    if !contacts.isEmpty {
                        progress.say("importing \(contacts.count) contact file\(contacts.count == 1 ? "" : "s")…")
                        reports.append(try session.call(ImportContacts.self, .init(
                            files: contacts, format: format == "ics" ? nil : format, map: mapping.isEmpty ? nil : mapping,
                            dryRun: dryRun, skipInvalid: skipInvalid)).report)
                    }
                    if !calendars.isEmpty {
                        progress.say("importing \(calendars.count) calendar file\(calendars.count == 1 ? "" : "s")…")
                        reports.append(try session.call(ImportEvents.self, .init(files: calendars, dryRun: dryRun,
                                                                                       skipInvalid: skipInvalid)).report)
                    }
                    return reports
                }
            } catch let error as CLIError {
                progress.done()
                throw error
            }
            progress.done()
            if global.json { return try Output.json(reports.count == 1 ? [reports[0]] : reports) }
            for report in reports { Self.print(report, dryRun: dryRun) }
        }
    }

    static func print(_ report: ImportReportInfo, dryRun: Bool) {
        for line in report.lines { Swift.print("  " + line) }
        for line in report.rejections { Swift.print("  rejected " + line) }
        let verb = dryRun ? "Would add" : "Added"
        Swift.print("\(verb) \(report.added), merged \(report.merged), skipped \(report.skipped), rejected \(report.rejected).")
    }
}

/// One status line on stderr, rewritten in place (a terminal only).
final class Progress: Sendable {
    let enabled: Bool
    init(enabled: Bool) { self.enabled = enabled }
    func say(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }
    func done() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

struct HolidaysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "holidays",
        abstract: "The days off the business calendar skips: imported (import --holidays) and configured.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ListHolidays.self, Empty())
            if global.json { return try Output.json(reply) }
            guard !reply.holidays.isEmpty else {
                return print("No holidays. Import a holiday calendar with `relancectl import --holidays FILE.ics`.")
            }
            Output.table(["DATE", "HOLIDAY", "FROM"], reply.holidays.map { [$0.date, $0.name ?? "—", $0.source] })
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write upcoming reminders, meetings and events as iCalendar, or the contacts as vCard.")

    @OptionGroup var global: GlobalOptions
    @Flag(name: .long, help: "iCalendar (.ics): reminders, meetings, events, with alarms.") var ics = false
    @Flag(name: .long, help: "vCard 4.0 (.vcf): every contact.") var vcf = false
    @Argument(help: "The file (default: standard output).") var file: String?

    func validate() throws {
        guard ics != vcf else { throw ValidationError("choose one of --ics or --vcf") }
    }

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Export.self, .init(format: ics ? "ics" : "vcf"))
            guard let file else { return Swift.print(reply.text, terminator: "") }
            do {
                try Data(reply.text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            } catch {
                throw CLIError(message: "cannot write \(file): \(error.localizedDescription)", code: 73)
            }
            if global.json { return try Output.json(["file": file]) }
            Swift.print("Wrote \(file).")
        }
    }
}
