import Foundation
import GRDB
import RelanceCore
@testable import RelanceStore
import Testing

@Suite("Contact details in the store")
struct ContactDetailsStoreTests {
    static let now = Date(timeIntervalSince1970: 1_795_768_200)

    @Test func aVersionFiveStoreKeepsItsContactsWithEmptyDetails() throws {
        let queue = try DatabaseQueue()
        try AppDatabase.migrator.migrate(queue, upTo: "v5: reminders moved by hand")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO contact (name, emails, handles, organization, tags, createdAt, updatedAt)
                VALUES ('Grace Hopper', '["grace@navy.example"]', '{}', 'US Navy', '[]', 0, 0)
                """)
        }
        let db = try AppDatabase(queue)
        #expect(try db.appliedMigrations().contains("v6: contact details, mail namespace"))
        let grace = try db.contact(id: 1)
        #expect(grace.name == "Grace Hopper" && grace.emails == ["grace@navy.example"] && grace.organization == "US Navy")
        #expect(grace.details == ContactDetails())
    }

    @Test func everyDetailIsStoredChangedAndCleared() throws {
        let db = try AppDatabase(DatabaseQueue())
        let details = ContactDetails(phones: ["+1 202 555 0100"], title: "Rear Admiral", department: "NDAC",
                                     websites: ["https://grace.example"], givenName: "Grace", familyName: "Hopper",
                                     birthday: "19061209", photo: "https://grace.example/photo.jpg", uid: "urn:uuid:1")
        let (added, _) = try db.addContact(ContactDraft(name: "Dr. Grace Hopper", details: details), now: Self.now)
        var expected = details
        expected.birthday = "1906-12-09"
        #expect(try db.contact(id: added.id).details == expected)
        #expect(added.greetingName == "Grace")

        let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
        let (updated, _) = try db.updateContact(id: added.id, ContactPatch(phones: [], title: "", birthday: "--12-09"),
                                                now: Self.now, rules: rules)
        #expect(updated.details.phones.isEmpty && updated.details.title == nil && updated.details.birthday == "--12-09")
        #expect(updated.details.givenName == "Grace")
        #expect(throws: ValidationError.self) {
            try db.updateContact(id: added.id, ContactPatch(birthday: "December"), now: Self.now, rules: rules)
        }
    }
}
