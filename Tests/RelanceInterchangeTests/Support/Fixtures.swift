import Foundation
import RelanceCore
import RelanceInterchange

/// Test files live next to the tests and are read by path (not as SwiftPM resources).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// The text of fixture `name`.
    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Fixture `name` parsed in the format its content says.
    static func parse(_ name: String, map: [String: String] = [:]) throws -> ContactImport {
        let text = try text(name)
        return ContactFormat.detect(text: text, fileName: name).parse(text, file: name, map: map)
    }
}

/// Contacts as the store would hold them after creating `drafts`, ids from `firstID`.
func stored(_ drafts: [ContactDraft], firstID: Int64 = 1) -> [Contact] {
    drafts.enumerated().map { index, draft in
        Contact(id: firstID + Int64(index), name: draft.name, emails: draft.emails, handles: draft.handles,
                organization: draft.organization, timeZone: draft.timeZone, why: draft.why, tags: draft.tags,
                notes: draft.notes, keepInTouch: draft.keepInTouch, createdAt: Date(timeIntervalSince1970: 1_800_000_000),
                details: draft.details)
    }
}

/// Applies `plan` to `existing` the way the store does: adds get the next ids, merges
/// apply their changes.
func applying(_ plan: ImportPlan, to existing: [Contact]) -> [Contact] {
    var contacts = existing
    var nextID = (existing.map(\.id).max() ?? 0) + 1
    for entry in plan.entries {
        switch entry.action {
        case .add(let draft, _):
            contacts += stored([draft], firstID: nextID)
            nextID += 1
        case .merge(let id, let changes):
            let index = contacts.firstIndex { $0.id == id }!
            contacts[index] = changes.applied(to: contacts[index])
        case .mergeWithImported, .skip:
            break
        }
    }
    return contacts
}

/// The contact named `name` in `result`, if one was read.
func contact(_ name: String, in result: ContactImport) -> ImportedContact? {
    result.contacts.first { $0.draft.name == name }
}

/// `text` with its folded lines joined again (CRLF + space removed), to look for whole properties.
func unfolded(_ text: String) -> String {
    text.replacingOccurrences(of: "\r\n ", with: "")
}
