import Foundation
import RelanceCore

/// Reads contacts from vCard files: 3.0 (RFC 2426) and 4.0 (RFC 6350), with the 2.1
/// habits Apple and Google exports still carry (quoted-printable, CHARSET, bare types).
///
/// A card without a name is rejected with the line of its BEGIN:VCARD; anything else
/// that cannot be used (an invalid e-mail, a UTC-offset TZ) is dropped with a warning
/// on the contact, so one bad value never loses a person.
public enum VCardParser {
    /// Every card of `text`, in file order, and the cards that could not be read.
    ///
    /// - Parameters:
    ///   - text: the file's contents (any of CRLF, LF or CR line ends).
    ///   - file: the name used in `SourceLocation`s and rejections.
    public static func parse(_ text: String, file: String) -> ContactImport {
        var contacts: [ImportedContact] = []
        var rejections: [ImportRejection] = []
        var card: CardState?
        for line in logicalLines(Array(text.utf8)) {
            guard let property = ContentLine(bytes: line.bytes, line: line.number) else { continue }
            switch property.name {
            case "BEGIN" where property.text.uppercased() == "VCARD":
                if let open = card {
                    rejections.append(ImportRejection(source: open.builder.source,
                                                      reason: "the card has no END:VCARD before the next BEGIN:VCARD"))
                }
                card = CardState(source: SourceLocation(file: file, line: line.number))
            case "END" where property.text.uppercased() == "VCARD":
                guard let done = card else { continue }
                switch done.finish() {
                case .success(let contact): contacts.append(contact)
                case .failure(let rejection): rejections.append(rejection)
                }
                card = nil
            default:
                card?.read(property)
            }
        }
        if let open = card {
            rejections.append(ImportRejection(source: open.builder.source,
                                              reason: "the card has no END:VCARD (the file ends inside it)"))
        }
        return (contacts, rejections)
    }

    /// A logical line: its bytes after unfolding, and the 1-based line it starts on.
    struct LogicalLine {
        var bytes: ArraySlice<UInt8>
        var number: Int
    }

    /// Splits `bytes` into logical lines: physical lines end at CRLF, LF or CR; a line
    /// starting with a space or tab continues the previous one (RFC 6350 §3.2, the
    /// whitespace removed); and a quoted-printable value ending in `=` continues on the
    /// next line whatever it starts with (RFC 2045 soft line break, the `=` removed).
    static func logicalLines(_ bytes: [UInt8]) -> [LogicalLine] {
        var lines: [LogicalLine] = []
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        var number = 0
        // The logical line being built: a slice of `bytes` until a continuation forces a copy.
        var current: ArraySlice<UInt8>?
        var currentNumber = 0
        var joined: [UInt8]?

        func flush() {
            if let joinedBytes = joined { lines.append(LogicalLine(bytes: joinedBytes[...], number: currentNumber)) }
            else if let current { lines.append(LogicalLine(bytes: current, number: currentNumber)) }
            current = nil
            joined = nil
        }
        func append(_ piece: ArraySlice<UInt8>, droppingLast: Bool) {
            if joined == nil { joined = Array(current ?? []) }
            if droppingLast { joined!.removeLast() }
            joined!.append(contentsOf: piece)
        }
        func endsInSoftBreak() -> Bool {
            let last = joined?.last ?? current?.last
            guard last == UInt8(ascii: "=") else { return false }
            let logical = joined.map { $0[...] } ?? current ?? []
            return ContentLine(bytes: logical, line: 0)?.isQuotedPrintable ?? false
        }

        var index = start
        while index < bytes.count {
            number += 1
            var end = index
            while end < bytes.count && bytes[end] != 0x0A && bytes[end] != 0x0D { end += 1 }
            let physical = bytes[index..<end]
            if end < bytes.count && bytes[end] == 0x0D && end + 1 < bytes.count && bytes[end + 1] == 0x0A { end += 1 }
            index = end + 1

            if current != nil, endsInSoftBreak() {
                append(physical, droppingLast: true)
            } else if current != nil, let first = physical.first, first == 0x20 || first == 0x09 {
                append(physical.dropFirst(), droppingLast: false)
            } else if physical.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
                flush()
            } else {
                flush()
                current = physical
                currentNumber = number
            }
        }
        flush()
        return lines
    }
}

/// The properties of the card being read, turned into a contact at END:VCARD.
private struct CardState {
    var builder: ContactRecordBuilder
    var formattedName: String?
    var structuredName: String?
    var emails: [(preference: Int, value: String)] = []
    var phones: [(preference: Int, value: String)] = []

    init(source: SourceLocation) { builder = ContactRecordBuilder(source: source) }

    /// Google adds every contact to these system groups; as tags they say nothing.
    private static let systemCategories: Set<String> = ["mycontacts", "starred"]

    mutating func read(_ property: ContentLine) {
        guard !property.isBinary else { return }
        switch property.name {
        case "FN":
            if formattedName == nil { formattedName = property.text.nonEmptyTrimmed }
        case "N":
            if structuredName == nil {
                // Family; Given; Additional; Prefix; Suffix. "Given Additional Family" is
                // how the person is addressed; titles and suffixes stay out of the name.
                let parts = (property.components + Array(repeating: "", count: 5))
                    .map { $0.replacingOccurrences(of: ",", with: " ").trimmingWhitespace() }
                let name = [parts[1], parts[2], parts[0]].filter { !$0.isEmpty }.joined(separator: " ")
                structuredName = name.isEmpty ? nil : name
                // The given name is what a draft greets by ("Grace", never the "Dr." prefix).
                builder.givenName = parts[1].nonEmptyTrimmed
                builder.familyName = parts[0].nonEmptyTrimmed
            }
        case "EMAIL":
            emails.append((property.preference, property.text))
        case "TEL":
            var phone = property.text
            if phone.lowercased().hasPrefix("tel:") { phone = String(phone.dropFirst(4)) }
            phones.append((property.preference, phone))
        case "ORG":
            // Organization; then the unit within it (RFC 6350 §6.6.4).
            if builder.organization == nil {
                builder.organization = property.components.first?.nonEmptyTrimmed
                if property.components.count > 1 {
                    builder.department = property.components.dropFirst().map { $0.trimmingWhitespace() }
                        .filter { !$0.isEmpty }.joined(separator: ", ").nonEmptyTrimmed
                }
            }
        case "TITLE":
            if builder.title == nil { builder.title = property.text.nonEmptyTrimmed }
        case "URL":
            builder.addURL(property.text)
        case "NOTE":
            builder.notes.append(property.text)
        case "BDAY":
            if builder.birthday == nil { builder.birthday = property.text.nonEmptyTrimmed }
        case "PHOTO":
            // A reference only: an embedded image (data: URI, ENCODING=b) is not kept.
            let value = property.text.trimmingWhitespace()
            if builder.photo == nil, property.parameter("ENCODING") == nil, !value.lowercased().hasPrefix("data:"),
               value.contains(":") {
                builder.photo = value
            }
        case "UID":
            if builder.uid == nil { builder.uid = property.text.nonEmptyTrimmed }
        case "CATEGORIES":
            for category in property.list where !Self.systemCategories.contains(category.lowercased().trimmingWhitespace()) {
                builder.tags.append(category)
            }
        case "TZ":
            // vCard 3.0 defaults TZ to a UTC offset, 4.0 to text; only a name can be used.
            let kind = property.parameter("VALUE")?.lowercased()
            if kind == nil || kind == "text" { builder.setTimeZone(property.text) }
        case "X-SOCIALPROFILE", "SOCIALPROFILE":
            readSocialProfile(property)
        case "IMPP":
            readInstantMessaging(property)
        case "X-RELANCE-WHY":
            builder.why = property.text
        default:
            break
        }
    }

    /// Apple's `X-SOCIALPROFILE;type=linkedin;x-user=ada:https://…` and RFC 9554's
    /// `SOCIALPROFILE;SERVICE-TYPE=Mastodon:https://…`: the network names the handle.
    private mutating func readSocialProfile(_ property: ContentLine) {
        let value = property.text.trimmingWhitespace()
        let handle = value.isEmpty ? (property.parameter("X-USER") ?? "") : value
        let declared = property.parameter("SERVICE-TYPE") ?? property.parameter("X-SERVICE-TYPE")
            ?? property.parameters["TYPE"]?.first { $0.lowercased() != "pref" }
        var network = declared?.lowercased() ?? ProfileURL.normalized(value).flatMap(Self.network(ofURL:)) ?? "web"
        if ProfileURL.isLinkedInProfile(value) { network = "linkedin" }
        builder.handles.append((network, handle))
    }

    /// `IMPP:xmpp:ada@example.org` → handles["xmpp"] = "ada@example.org". Apple writes
    /// `x-apple:` for services without a scheme and names them in X-SERVICE-TYPE.
    private mutating func readInstantMessaging(_ property: ContentLine) {
        let value = property.text.trimmingWhitespace()
        guard let colon = value.firstIndex(of: ":") else { return }
        var network = value[..<colon].lowercased()
        if network == "x-apple", let service = property.parameter("X-SERVICE-TYPE") { network = service.lowercased() }
        builder.handles.append((network, String(value[value.index(after: colon)...])))
    }

    /// A network name from a profile URL's host ("https://twitter.com/ada" → "twitter").
    private static func network(ofURL url: String) -> String? {
        let host = url.dropFirst("https://".count).split(separator: "/").first ?? ""
        let labels = host.split(separator: ".")
        return labels.count >= 2 ? String(labels[labels.count - 2]) : nil
    }

    func finish() -> Result<ImportedContact, ImportRejection> {
        var builder = builder
        builder.name = formattedName ?? structuredName ?? ""
        // Stable sorts: preferred first, file order otherwise.
        builder.emails = emails.enumerated().sorted { ($0.element.preference, $0.offset) < ($1.element.preference, $1.offset) }.map(\.element.value)
        builder.phones = phones.enumerated().sorted { ($0.element.preference, $0.offset) < ($1.element.preference, $1.offset) }.map(\.element.value)
        return builder.build(noName: "no name (the card has neither FN nor N)", nameFromEmail: true)
    }
}
