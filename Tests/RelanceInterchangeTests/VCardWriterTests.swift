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

    @Test func uidIsAStableNameBasedUUIDPerContactID() {
        // uuid.uuid5(UUID("3efb1a65-04f8-47a1-8dde-27b98067ab63"), "relance-contact-1") in Python.
        #expect(VCardWriter.uid(forContactID: 1) == "urn:uuid:2234d02d-f946-5531-a124-fecfb312c3ac")
        #expect(VCardWriter.write([Self.contacts[0]]).contains("UID:urn:uuid:2234d02d-f946-5531-a124-fecfb312c3ac\r\n"))
        #expect(VCardWriter.uid(forContactID: 2) != VCardWriter.uid(forContactID: 1))
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
        #expect(cards.map { $0["uid"] as? String } == Self.contacts.map { VCardWriter.uid(forContactID: $0.id) })
        #expect(cards[0]["emails"] as? [String] == ["ada@analytical.example", "ada.byron@lovelace.example"])
        #expect(cards[0]["categories"] as? [String] == ["math", "pioneer, first"])
        #expect(cards[0]["org"] as? [String] == ["Analytical Engine Society; Research, London"])
        #expect(cards[0]["tz"] as? [String] == ["Europe/London"])
        #expect(cards[1]["note"] as? [String] == [String(repeating: "Énergie cinétique — ½mv² — ", count: 6)])
    }

    @Test func pythonVObjectReadsTheFixturesRoundTrip() async throws {
        // The Google and Apple fixtures, imported then exported: every card still valid.
        let drafts = try ["google-contacts.vcf", "apple-contacts.vcf"].flatMap { try Fixtures.parse($0).contacts.map(\.draft) }
        let outcome = try await PythonValidator.validate(VCardWriter.write(stored(drafts)), fileExtension: "vcf")
        #expect(outcome.status == 0, "validate.py: \(outcome.errors)")
        #expect((outcome.summary["cards"] as? [Any])?.count == drafts.count)
    }
}
