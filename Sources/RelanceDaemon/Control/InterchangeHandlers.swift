import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Contacts and events in and out: vCard, CSV, iCalendar.

extension ControlService {
    /// Registers ImportContacts, ImportEvents, Import (both at once) and Export.
    static func registerInterchangeHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(ImportContacts.self, readOnly: false) { service, p in try service.importContacts(p) }
        handlers.register(ImportEvents.self, readOnly: false) { service, p in
            p.holidays == true ? try service.importHolidays(p) : try service.importEvents(p)
        }
        handlers.register(Import.self, readOnly: false) { service, p in try service.importTogether(p) }
        handlers.register(ListHolidays.self, readOnly: true) { service, _ in try service.listHolidays() }
        handlers.register(Export.self, readOnly: true) { service, p in
            Export.Reply(text: try service.interchange.export(p.format, rules: service.rules))
        }
        // A team node's method: a personal daemon has no team store to copy into.
        handlers.register(MigrateFromSQLite.self, readOnly: false) { _, _ in
            throw ControlError.invalidParameter("path", reason: ControlService.migrateRefusal)
        }
    }

    static let migrateRefusal = "migrate copies a personal store into a team store: run it against a team node "
        + "(one with [store] url = \"postgresql://…\"), not this personal daemon"

    var interchange: InterchangeService { InterchangeService(store: store, events: events, clock: clock) }

    private func importContacts(_ p: ImportContacts.Parameters) throws -> ImportReply {
        for (index, file) in p.files.enumerated() { try checkClientPath(file.path, parameter: "files[\(index)].path") }
        if p.dryRun != true { _ = try safetySnapshot("import-contacts") }
        let report = try interchange.importContacts(p, rules: rules)
        if report.applied {
            logger.notice("imported contacts: \(report.added) added, \(report.merged) merged, \(report.skipped) skipped, \(report.rejected) rejected")
        }
        return ImportReply(report: report)
    }

    private func importHolidays(_ p: ImportEvents.Parameters) throws -> ImportReply {
        for (index, file) in p.files.enumerated() { try checkClientPath(file.path, parameter: "files[\(index)].path") }
        if p.dryRun != true { _ = try safetySnapshot("import-holidays") }
        let report = try interchange.importHolidays(p, configuration: configuration)
        if report.applied { logger.notice("imported \(report.added) holiday(s), skipped \(report.skipped)") }
        return ImportReply(report: report)
    }

    private func listHolidays() throws -> ListHolidays.Reply {
        ListHolidays.Reply(holidays: InterchangeService.holidays(imported: try store.holidays(), configuration: configuration))
    }

    private func importEvents(_ p: ImportEvents.Parameters) throws -> ImportReply {
        for (index, file) in p.files.enumerated() { try checkClientPath(file.path, parameter: "files[\(index)].path") }
        if p.dryRun != true { _ = try safetySnapshot("import-events") }
        let (report, ids) = try interchange.importEvents(p, rules: rules)
        materializeEvents(Set(ids))
        if report.applied { logger.notice("imported \(report.added) event(s), skipped \(report.skipped)") }
        return ImportReply(report: report)
    }

    private func importTogether(_ p: Import.Parameters) throws -> Import.Reply {
        for (index, file) in p.contacts.enumerated() { try checkClientPath(file.path, parameter: "contacts[\(index)].path") }
        for (index, file) in p.calendars.enumerated() { try checkClientPath(file.path, parameter: "calendars[\(index)].path") }
        if p.dryRun != true { _ = try safetySnapshot("import") }
        let (contacts, events, ids) = try interchange.importTogether(p, rules: rules)
        materializeEvents(Set(ids))
        if contacts.applied {
            logger.notice("imported together \(contacts.added) contact(s) added, \(contacts.merged) merged; \(events.added) event(s) added, \(events.skipped) skipped")
        }
        return Import.Reply(contacts: contacts, events: events)
    }
}
