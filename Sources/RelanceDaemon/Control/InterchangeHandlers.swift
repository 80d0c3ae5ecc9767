import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Contacts and events in and out: vCard, CSV, iCalendar.

extension ControlService {
    /// Registers ImportContacts, ImportEvents and Export.
    static func registerInterchangeHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(ImportContacts.self, readOnly: false) { service, p in try service.importContacts(p) }
        handlers.register(ImportEvents.self, readOnly: false) { service, p in try service.importEvents(p) }
        handlers.register(Export.self, readOnly: true) { service, p in
            Export.Reply(text: try service.interchange.export(p.format, rules: service.rules))
        }
    }

    var interchange: InterchangeService { InterchangeService(store: store, events: events, clock: clock) }

    private func importContacts(_ p: ImportContacts.Parameters) throws -> ImportReply {
        for (index, file) in p.files.enumerated() { try checkClientPath(file.path, parameter: "files[\(index)].path") }
        if p.dryRun != true { _ = try safetySnapshot("import-contacts") }
        let (report, _) = try interchange.importContacts(p, rules: rules)
        if report.applied {
            logger.notice("imported contacts: \(report.added) added, \(report.merged) merged, \(report.skipped) skipped, \(report.rejected) rejected")
        }
        return ImportReply(report: report)
    }

    private func importEvents(_ p: ImportEvents.Parameters) throws -> ImportReply {
        for (index, file) in p.files.enumerated() { try checkClientPath(file.path, parameter: "files[\(index)].path") }
        if p.dryRun != true { _ = try safetySnapshot("import-events") }
        let (report, ids) = try interchange.importEvents(p, rules: rules)
        materializeEvents(Set(ids))
        if report.applied { logger.notice("imported \(report.added) event(s), skipped \(report.skipped)") }
        return ImportReply(report: report)
    }
}
