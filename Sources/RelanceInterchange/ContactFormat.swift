import Foundation

/// The kinds of contact export Relance reads.
public enum ContactFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// vCard 3.0 or 4.0 (Apple Contacts, Google Contacts, Outlook, Thunderbird).
    case vcard
    /// LinkedIn's Connections.csv (Settings → Data privacy → Get a copy of your data).
    case linkedinCSV = "linkedin-csv"
    /// Any CSV with a header row; columns are recognised by name or mapped.
    case csv

    /// The LinkedIn header columns that identify a Connections.csv.
    static let linkedInMarkers = ["firstname", "lastname", "connectedon"]

    /// The format of `text`, judged by content first: a file starting with BEGIN:VCARD is
    /// a vCard; a CSV whose header (possibly after LinkedIn's "Notes:" lines) has First
    /// Name, Last Name and Connected On is LinkedIn's; otherwise the name's extension
    /// decides between vCard (.vcf, .vcard) and CSV.
    public static func detect(text: String, fileName: String? = nil) -> ContactFormat {
        var examined = 0
        // The header is within the first lines; do not split a 10 MB export to find it.
        let head = String(decoding: text.utf8.prefix(8192), as: UTF8.self)
        for line in head.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let trimmed = line.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{FEFF}")))
            if trimmed.isEmpty { continue }
            if examined == 0 && trimmed.uppercased() == "BEGIN:VCARD" { return .vcard }
            let normalized = ContactField.normalize(trimmed).replacingOccurrences(of: "\"", with: "")
            let columns = Set(normalized.split(separator: ",").map(String.init))
            if linkedInMarkers.allSatisfy(columns.contains) { return .linkedinCSV }
            examined += 1
            if examined >= 10 { break }
        }
        let lowerName = fileName?.lowercased() ?? ""
        if lowerName.hasSuffix(".vcf") || lowerName.hasSuffix(".vcard") { return .vcard }
        return .csv
    }

    /// Parses `text` in this format; `map` (field → column header) applies to `.csv`.
    public func parse(_ text: String, file: String, map: [String: String] = [:]) -> ContactImport {
        read(text, file: file, map: map).contacts
    }

    /// `parse`, with the CSV rows that hold only separators, skipped (see `CSVContactsParser.read`).
    public func read(_ text: String, file: String, map: [String: String] = [:]) -> (contacts: ContactImport, emptyRows: [SourceLocation]) {
        switch self {
        case .vcard: (VCardParser.parse(text, file: file), [])
        case .linkedinCSV: CSVContactsParser.read(text, file: file, format: .linkedin)
        case .csv: CSVContactsParser.read(text, file: file, format: .generic(map: map))
        }
    }

}
