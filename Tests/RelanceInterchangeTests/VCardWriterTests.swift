import Foundation
import RelanceCore
import RelanceInterchange
import Testing

@Suite("vCard writing")
struct VCardWriterTests {
    static let created = Date(timeIntervalSince1970: 1_800_000_000)

    static let contacts = [
        Contact(id: 1, name: "Ada Lovelace", emails: ["ada@analytical.example", "ada.byron@lovelace.example"],
                handles: ["linkedin": "https://www.linkedin.com/in/ada-lovelace", "mastodon": "https://mathstodon.xyz/@ada"],
                organization: "Analytical Engine Society; Research, London", timeZone: "Europe/London",
                why: "Wrote the first program.\nWants to talk about poetical science.", tags: ["math", "pioneer, first"],
                notes: "Met at the Difference Engine exhibit\\gallery 2", createdAt: created),
        Contact(id: 2, name: "Émilie du Châtelet", emails: ["emilie@chatelet.example"],
                notes: String(repeating: "Énergie cinétique — ½mv² — ", count: 6), createdAt: created),
        Contact(id: 42, name: "Łukasz Wiśniewski", createdAt: created),
    ]

    @Test func linesEndInCRLFAndFoldWithinSeventyFiveOctetsWithoutSplittingCharacters() throws {
        let text = VCardWriter.write(Self.contacts)
        let bytes = Array(text.utf8)
        #expect(text.hasSuffix("END:VCARD\r\n"))
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0D { #expect(bytes[index + 1] == 0x0A); continue }
            if byte == 0x0A { lines.append(current); current = []; continue }
            current.append(byte)
        }
        #expect(lines.allSatisfy { $0.count <= 75 })
        #expect(lines.contains { $0.count > 70 }, "the long note must have been folded near the limit")
        // Every physical line is valid UTF-8 on its own.
        #expect(lines.allSatisfy { String(validating: $0, as: UTF8.self) != nil })
    }

    @Test func textIsEscaped() {
        let text = unfolded(VCardWriter.write([Self.contacts[0]]))
        #expect(text.contains("ORG:Analytical Engine Society\\; Research\\, London\r\n"))
        #expect(text.contains("CATEGORIES:math,pioneer\\, first\r\n"))
        #expect(text.contains("X-RELANCE-WHY:Wrote the first program.\\nWants to talk about poetical science.\r\n"))
        #expect(text.contains("NOTE:Met at the Difference Engine exhibit\\\\gallery 2\r\n"))
        #expect(text.contains("EMAIL;PREF=1:ada@analytical.example\r\n"))
    }

    @Test func uidComesFromTheContactsIdentityNotItsRowID() {
        // uuid.uuid5(UUID("3efb1a65-04f8-47a1-8dde-27b98067ab63"),
        //            "relance-contact:mailto:ada@analytical.example") in Python.
        let ada = Self.contacts[0]
        #expect(VCardWriter.uid(for: ada) == "urn:uuid:32239ee9-5de0-5abd-a5ed-696034e6354c")
        #expect(VCardWriter.write([ada]).contains("UID:\(VCardWriter.uid(for: ada))\r\n"))
        // Contact #1 of another store, someone else: another UID (a CardDAV server would
        // otherwise merge the two cards).
        var grace = Self.contacts[1]
        grace.id = 1
        #expect(VCardWriter.uid(for: grace) != VCardWriter.uid(for: ada))
        // The same person in another store, another row id: the same card.
        var again = ada
        again.id = 77
        #expect(VCardWriter.uid(for: again) == VCardWriter.uid(for: ada))
        // Nothing but a name: its name and the instant it was added, still not the row id.
        let lukasz = Self.contacts[2]
        var twin = lukasz
        twin.createdAt = lukasz.createdAt.addingTimeInterval(1)
        #expect(VCardWriter.uid(for: twin) != VCardWriter.uid(for: lukasz))
    }

    @Test func uidKeptFromTheImportWinsSoExportingBackUpdatesTheSameCard() throws {
        let card = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0b6f1a44-1d7e-4f0a-9d0a-8f8c0e7e6a11\r\nFN:Ada Lovelace\r\n"
            + "EMAIL:ada@example.com\r\nEND:VCARD\r\n"
        let draft = try #require(VCardParser.parse(card, file: "a.vcf").contacts.first?.draft)
        #expect(draft.details.uid == "urn:uuid:0b6f1a44-1d7e-4f0a-9d0a-8f8c0e7e6a11")
        let stored = Contact(id: 1, name: draft.name, emails: draft.emails, createdAt: Self.created, details: draft.details)
        #expect(VCardWriter.uid(for: stored) == "urn:uuid:0b6f1a44-1d7e-4f0a-9d0a-8f8c0e7e6a11")
    }

    @Test func writtenCardsReadBackIntoTheSameContacts() throws {
        let result = VCardParser.parse(VCardWriter.write(Self.contacts), file: "out.vcf")
        #expect(result.rejections.isEmpty)
        #expect(result.contacts.count == 3)
        for (read, original) in zip(result.contacts, Self.contacts) {
            #expect(read.draft.name == original.name)
            #expect(read.draft.emails == original.emails)
            #expect(read.draft.handles == original.handles)
            #expect(read.draft.organization == original.organization)
            #expect(read.draft.timeZone == original.timeZone)
            #expect(read.draft.tags == original.tags)
            #expect(read.draft.why == original.why)
            #expect(read.draft.notes == original.notes?.trimmingCharacters(in: .whitespaces))
        }
    }

    @Test func pythonVObjectReadsTheExport() async throws {
        let outcome = try await PythonValidator.validate(VCardWriter.write(Self.contacts), fileExtension: "vcf")
        #expect(outcome.status == 0, "validate.py: \(outcome.errors)")
        let cards = try #require(outcome.summary["cards"] as? [[String: Any]])
        #expect(cards.map { $0["fn"] as? String } == ["Ada Lovelace", "Émilie du Châtelet", "Łukasz Wiśniewski"])
        #expect(cards.map { $0["uid"] as? String } == Self.contacts.map { VCardWriter.uid(for: $0) })
        #expect(cards[0]["emails"] as? [String] == ["ada@analytical.example", "ada.byron@lovelace.example"])
        #expect(cards[0]["categories"] as? [String] == ["math", "pioneer, first"])
        #expect(cards[0]["org"] as? [String] == ["Analytical Engine Society; Research, London"])
        #expect(cards[0]["tz"] as? [String] == ["Europe/London"])
        #expect(cards[1]["note"] as? [String] == [String(repeating: "Énergie cinétique — ½mv² — ", count: 6)])
    }

    static let detailed = Contact(
        id: 7, name: "Dr. Grace Hopper", emails: ["grace@navy.example"], organization: "US Navy", createdAt: created,
        details: ContactDetails(phones: ["+1 202 555 0100", "+1 202 555 0199"], title: "Rear Admiral",
                                department: "Naval Data Automation Command", websites: ["https://grace.example/cobol?a=1&b=2"],
                                givenName: "Grace", familyName: "Hopper", birthday: "1906-12-09",
                                photo: "https://grace.example/photo.jpg"))

    @Test func everyDetailReadsBackFromTheExport() throws {
        let read = try #require(VCardParser.parse(VCardWriter.write([Self.detailed]), file: "out.vcf").contacts.first)
        var expected = Self.detailed.details
        expected.uid = VCardWriter.uid(for: Self.detailed)
        #expect(read.draft.details == expected)
        #expect(read.draft.organization == "US Navy")
    }

    @Test func pythonVObjectReadsEveryDetail() async throws {
        let outcome = try await PythonValidator.validate(VCardWriter.write([Self.detailed]), fileExtension: "vcf")
        #expect(outcome.status == 0, "validate.py: \(outcome.errors)")
        let card = try #require((outcome.summary["cards"] as? [[String: Any]])?.first)
        #expect(card["tel"] as? [String] == ["+1 202 555 0100", "+1 202 555 0199"])
        #expect(card["title"] as? [String] == ["Rear Admiral"])
        #expect(card["org"] as? [String] == ["US Navy", "Naval Data Automation Command"])
        #expect(card["url"] as? [String] == ["https://grace.example/cobol?a=1&b=2"])
        #expect(card["bday"] as? [String] == ["1906-12-09"])
        #expect(card["photo"] as? [String] == ["https://grace.example/photo.jpg"])
        let name = try #require((card["n"] as? [[String: Any]])?.first)
        #expect(name["given"] as? String == "Grace")
        #expect(name["family"] as? String == "Hopper")
    }

    @Test func pythonVObjectReadsTheFixturesRoundTrip() async throws {
        // The Google and Apple fixtures, imported then exported: every card still valid.
        let drafts = try ["google-contacts.vcf", "apple-contacts.vcf"].flatMap { try Fixtures.parse($0).contacts.map(\.draft) }
        let outcome = try await PythonValidator.validate(VCardWriter.write(stored(drafts)), fileExtension: "vcf")
        #expect(outcome.status == 0, "validate.py: \(outcome.errors)")
        #expect((outcome.summary["cards"] as? [Any])?.count == drafts.count)
    }
}
