import Foundation

/// What address books carry about a person beyond how to reach them: phones, job,
/// web sites, the parts of their name, birthday and photo (vCard `TEL`, `TITLE`, `ORG`,
/// `URL`, `N`, `BDAY`, `PHOTO`; LinkedIn's Position and Company).
public struct ContactDetails: Sendable, Codable, Hashable {
    /// Phone numbers as the user or the export wrote them, preferred first.
    public var phones: [String]
    /// Job title ("Rear Admiral", "Mathematician").
    public var title: String?
    /// Department within the organization (vCard `ORG`'s second component).
    public var department: String?
    /// Web addresses, personal site first.
    public var websites: [String]
    /// Given name (vCard `N`, LinkedIn "First Name"): what a draft greets them by.
    public var givenName: String?
    /// Family name (vCard `N`, LinkedIn "Last Name").
    public var familyName: String?
    /// Birthday as vCard 4.0 writes a date: "1815-12-10", or "--12-10" without the year.
    public var birthday: String?
    /// A photo reference: a URI (`https://…`, `file://…`); embedded images are not kept.
    public var photo: String?
    /// The vCard UID kept from an import, so exporting back updates the same card; nil
    /// for contacts created here (the writer derives one from the contact's identity).
    public var uid: String?

    public init(phones: [String] = [], title: String? = nil, department: String? = nil, websites: [String] = [],
                givenName: String? = nil, familyName: String? = nil, birthday: String? = nil,
                photo: String? = nil, uid: String? = nil) {
        self.phones = phones; self.title = title; self.department = department; self.websites = websites
        self.givenName = givenName; self.familyName = familyName; self.birthday = birthday
        self.photo = photo; self.uid = uid
    }

    /// Every field checked: single lines, a birthday vCard can carry. Empty strings become nil.
    public func validated() throws -> ContactDetails {
        var details = self
        func clean(_ value: String?, _ field: String) throws -> String? {
            guard let trimmed = value?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
            try Validation.singleLine(trimmed, field: field)
            return trimmed
        }
        details.phones = try phones.enumerated().compactMap { try clean($1, "phones[\($0)]") }
        details.websites = try websites.enumerated().compactMap { try clean($1, "websites[\($0)]") }
        details.title = try clean(title, "title")
        details.department = try clean(department, "department")
        details.givenName = try clean(givenName, "givenName")
        details.familyName = try clean(familyName, "familyName")
        details.photo = try clean(photo, "photo")
        details.uid = try clean(uid, "uid")
        details.birthday = try clean(birthday, "birthday")
        if let birthday = details.birthday {
            guard let normal = Self.normalizedBirthday(birthday) else {
                throw ValidationError(field: "birthday", reason: "'\(birthday)' is not a date (1815-12-10, or --12-10 without the year)")
            }
            details.birthday = normal
        }
        return details
    }

    /// "1815-12-10", "18151210", "--12-10", "--1210" (RFC 6350 §4.3.1, vCard 3.0's
    /// extended form) as "1815-12-10" / "--12-10"; a time part ("T00:00:00Z") is dropped.
    /// Nil when it is not a calendar date.
    public static func normalizedBirthday(_ text: String) -> String? {
        var value = text.trimmingCharacters(in: .whitespaces)
        if let t = value.firstIndex(of: "T") { value = String(value[..<t]) }
        let digits = value.filter(\.isNumber)
        let noYear = value.hasPrefix("--")
        guard value.allSatisfy({ $0.isNumber || $0 == "-" }) else { return nil }
        let year: Int?, month: Int, day: Int
        switch (noYear, digits.count) {
        case (true, 4):
            year = nil; month = Int(digits.prefix(2))!; day = Int(digits.suffix(2))!
        case (false, 8):
            year = Int(digits.prefix(4))!; month = Int(digits.dropFirst(4).prefix(2))!; day = Int(digits.suffix(2))!
        default:
            return nil
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year ?? 2000, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        let monthDay = String(format: "%02d-%02d", month, day)
        return year.map { String(format: "%04d-", $0) + monthDay } ?? "--" + monthDay
    }

    /// The words a contact search looks into besides the name: phones, title,
    /// department, websites, name parts.
    public var searchableText: [String] {
        phones + websites + [title, department, givenName, familyName].compactMap { $0 }
    }
}
