import Foundation
import RelanceCore

/// Reads contacts from CSV: LinkedIn's Connections.csv, or any CSV with a header row.
///
/// Columns are found by header name, never by position: LinkedIn has added and removed
/// columns over the years (URL appeared in 2022), and users reorder spreadsheets.
public enum CSVContactsParser {
    /// Which CSV dialect to read.
    public enum Format: Sendable, Hashable {
        /// LinkedIn's Connections.csv: "Notes:" lines, then First Name, Last Name, URL,
        /// Email Address, Company, Position, Connected On (URL missing before 2022).
        case linkedin
        /// A header row naming columns; `map` (field → column header, e.g.
        /// `["name": "Full Name"]`) overrides the recognised names (see `ContactField`).
        case generic(map: [String: String] = [:])
    }

    /// Every row of `text` as a contact, and the rows that could not be read, each with
    /// the line it starts on.
    public static func parse(_ text: String, file: String, format: Format) -> ContactImport {
        read(text, file: file, format: format).contacts
    }

    /// `parse`, with the rows that hold only separators (",,,,,,": LinkedIn exports have
    /// them), skipped rather than rejected, so the import can say where they were.
    public static func read(_ text: String, file: String, format: Format) -> (contacts: ContactImport, emptyRows: [SourceLocation]) {
        var emptyRows: [SourceLocation] = []
        var reader = CSVReader(text)
        var rejections: [ImportRejection] = []
        let layout: ColumnLayout
        switch format {
        case .linkedin:
            guard let found = findLinkedInHeader(&reader) else {
                return (([], [ImportRejection(file: file, line: 1, reason: "no LinkedIn header row "
                    + "(First Name,Last Name,URL,Email Address,Company,Position,Connected On) in the file")]), [])
            }
            layout = found
        case .generic(let map):
            guard let header = nextNonBlank(&reader) else { return (([], []), []) }
            switch ColumnLayout.generic(header: header, map: map) {
            case .success(let found): layout = found
            case .failure(let error):
                return (([], [ImportRejection(file: file, line: header.line, reason: error.reason)]), [])
            }
        }

        var contacts: [ImportedContact] = []
        while let record = reader.next() {
            if record.isBlank && !record.isUnterminated {
                // A row of commas is a row (counted in the report); an empty line is not.
                if record.fields.count > 1 { emptyRows.append(SourceLocation(file: file, line: record.line)) }
                continue
            }
            let source = SourceLocation(file: file, line: record.line)
            if record.isUnterminated {
                rejections.append(ImportRejection(source: source, reason: "a quoted field opened on this row is never closed "
                    + "(a stray \" ?); the row was skipped"))
                reader.resume(after: record)
                continue
            }
            let extra = record.fields.dropFirst(layout.columnCount)
            guard record.fields.count >= layout.columnCount, extra.allSatisfy(\.isEmpty) else {
                rejections.append(ImportRejection(source: source, reason: "\(record.fields.count) fields, but the header has "
                    + "\(layout.columnCount) (a comma or a quote out of place?)"))
                // A record that ran over several lines most likely swallowed good rows
                // with a stray quote; read them again.
                if record.spansLines { reader.resume(after: record) }
                continue
            }
            switch layout.contact(from: record.fields, source: source) {
            case .success(let contact): contacts.append(contact)
            case .failure(let rejection): rejections.append(rejection)
            }
        }
        return ((contacts, rejections), emptyRows)
    }

    /// Skips LinkedIn's preamble ("Notes:", an explanation, a blank line) up to the
    /// header row, and lays out the columns it names.
    private static func findLinkedInHeader(_ reader: inout CSVReader) -> ColumnLayout? {
        while let record = reader.next() {
            let names = record.fields.map(ContactField.normalize)
            guard names.contains("firstname"), names.contains("lastname") else { continue }
            return ColumnLayout.linkedIn(header: record.fields)
        }
        return nil
    }

    private static func nextNonBlank(_ reader: inout CSVReader) -> CSVReader.Record? {
        while let record = reader.next() {
            if !record.isBlank { return record }
        }
        return nil
    }
}

/// Why a header cannot be read with the given map.
private struct LayoutError: Error {
    var reason: String
}

/// Which column holds which field, decided once from the header row.
private struct ColumnLayout {
    var columnCount: Int
    var columns: [ContactField: Int] = [:]
    /// LinkedIn's "Connected On" column.
    var connectedOn: Int?
    /// The header names of the name columns, for "no name (columns … are empty)".
    var nameColumns: [String] = []
    var isLinkedIn = false

    static func linkedIn(header: [String]) -> ColumnLayout {
        var layout = ColumnLayout(columnCount: header.count, isLinkedIn: true)
        let fields: [String: ContactField] = [
            "firstname": .firstName, "lastname": .lastName, "url": .linkedin, "emailaddress": .email,
            "company": .organization, "position": .title,
        ]
        for (index, name) in header.enumerated() {
            let key = ContactField.normalize(name)
            if key == "connectedon" { layout.connectedOn = index }
            if let field = fields[key], layout.columns[field] == nil { layout.columns[field] = index }
        }
        layout.nameColumns = ["First Name", "Last Name"]
        return layout
    }

    static func generic(header: CSVReader.Record, map: [String: String]) -> Result<ColumnLayout, LayoutError> {
        var layout = ColumnLayout(columnCount: header.fields.count)
        let names = header.fields.map(ContactField.normalize)
        for (index, name) in names.enumerated() {
            if let field = ContactField.aliases[name], layout.columns[field] == nil { layout.columns[field] = index }
        }
        for (key, column) in map.sorted(by: { $0.key < $1.key }) {
            guard let field = ContactField(name: key) else {
                let known = ContactField.allCases.map(\.rawValue).joined(separator: ", ")
                return .failure(LayoutError(reason: "the map names an unknown field '\(key)' (fields: \(known))"))
            }
            guard let index = header.fields.firstIndex(where: { $0.trimmingWhitespace() == column.trimmingWhitespace() })
                    ?? names.firstIndex(of: ContactField.normalize(column)) else {
                return .failure(LayoutError(reason: "the map puts \(field.rawValue) in column '\(column)', but the header has no such column "
                    + "(columns: \(header.fields.joined(separator: ", ")))"))
            }
            layout.columns[field] = index
        }
        let nameFields: [ContactField] = [.name, .firstName, .lastName]
        layout.nameColumns = nameFields.compactMap { layout.columns[$0].map { header.fields[$0].trimmingWhitespace() } }
        guard !layout.nameColumns.isEmpty else {
            return .failure(LayoutError(reason: "no name column in the header (expected Name, Full Name, or First Name and Last Name; "
                + "or map one, e.g. name=Contact)"))
        }
        return .success(layout)
    }

    func contact(from fields: [String], source: SourceLocation) -> Result<ImportedContact, ImportRejection> {
        func value(_ field: ContactField) -> String? {
            guard let index = columns[field] else { return nil }
            let text = fields[index].trimmingWhitespace()
            return text.isEmpty ? nil : text
        }
        var builder = ContactRecordBuilder(source: source)
        let joined = [value(.firstName), value(.lastName)].compactMap { $0 }.joined(separator: " ")
        builder.name = value(.name) ?? joined
        builder.givenName = value(.firstName)
        builder.familyName = value(.lastName)
        if let emails = value(.email) {
            builder.emails = emails.split(whereSeparator: { ";,: \t\n".contains($0) }).map(String.init)
        }
        builder.organization = value(.organization)
        builder.title = value(.title)
        if let zone = value(.timeZone) { builder.setTimeZone(zone) }
        if let tags = value(.tags) { builder.addTags(tags, separators: [";", ","]) }
        if let notes = value(.notes) { builder.notes = [notes] }
        builder.why = value(.why)
        if let phones = value(.phone) {
            builder.phones = phones.components(separatedBy: ":::").flatMap { $0.split(separator: ";") }.map(String.init)
        }
        if let url = value(.url) { builder.addURL(url) }
        if let linkedin = value(.linkedin) {
            builder.handles.insert(("linkedin", linkedin), at: 0)
            if isLinkedIn { builder.urls.append(linkedin) }
        }
        if let index = connectedOn {
            let text = fields[index].trimmingWhitespace()
            if let date = LinkedInDate.noonUTC(text) {
                builder.firstInteraction = date
            } else if !text.isEmpty {
                builder.warnings.append("ignored Connected On '\(text)' (expected a date like 07 Dec 2025)")
            }
        }
        let columnsText = nameColumns.joined(separator: "/")
        let noName = nameColumns.count == 1 ? "no name (column \(columnsText) is empty)" : "no name (columns \(columnsText) are empty)"
        return builder.build(noName: noName)
    }
}
