/// A contact field a CSV column can fill, named the way users name columns.
public enum ContactField: String, Sendable, Hashable, Codable, CaseIterable {
    /// The full name ("Ada Lovelace"); when empty, first and last name are joined.
    case name
    /// Given name.
    case firstName = "first name"
    /// Family name.
    case lastName = "last name"
    /// One or more e-mail addresses, separated by `;`, `,` or spaces.
    case email
    /// Company, lab or community.
    case organization
    /// Job title.
    case title
    /// IANA time zone ("Europe/Paris").
    case timeZone = "time zone"
    /// Labels separated by `;` or `,`.
    case tags
    /// Free-form notes.
    case notes
    /// LinkedIn profile URL or slug.
    case linkedin
    /// Phone numbers, separated by `;`.
    case phone
    /// Why this person.
    case why
    /// A web address (a LinkedIn profile URL also becomes the linkedin handle).
    case url

    /// The field a column header or a `--map` key names, ignoring case, spaces, `-`, `_`
    /// and `.` ("E-mail", "Full Name", "time_zone"); nil when it names none.
    public init?(name: String) {
        guard let field = ContactField.aliases[ContactField.normalize(name)] else { return nil }
        self = field
    }

    /// Header spellings recognised without a map, normalized (see `normalize`).
    static let aliases: [String: ContactField] = {
        let table: [ContactField: [String]] = [
            .name: ["name", "fullname", "displayname"],
            .firstName: ["firstname", "givenname"],
            .lastName: ["lastname", "familyname", "surname"],
            .email: ["email", "emailaddress", "emails", "mail"],
            .organization: ["organization", "organisation", "company", "org"],
            .title: ["title", "position", "jobtitle"],
            .timeZone: ["timezone", "tz"],
            .tags: ["tags", "labels"],
            .notes: ["notes", "note"],
            .linkedin: ["linkedin", "linkedinurl", "linkedinprofile"],
            .phone: ["phone", "telephone", "mobile", "phonenumber"],
            .why: ["why"],
            .url: ["url", "website"],
        ]
        var aliases: [String: ContactField] = [:]
        for (field, names) in table { for name in names { aliases[name] = field } }
        return aliases
    }()

    /// Lowercased, without spaces, `-`, `_` or `.`: how headers are compared.
    static func normalize(_ text: String) -> String {
        String(text.lowercased().unicodeScalars.filter { !" -_.\t\u{FEFF}".unicodeScalars.contains($0) })
    }
}
