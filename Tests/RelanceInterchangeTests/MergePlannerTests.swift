import Foundation
import RelanceCore
import RelanceInterchange
import Testing

@Suite("Merge planning")
struct MergePlannerTests {
    static let allFixtures = ["google-contacts.vcf", "apple-contacts.vcf", "linkedin-connections.csv", "linkedin-connections-2019.csv"]

    /// Every fixture's records, in file order, and their rejections.
    static func importAll() throws -> ContactImport {
        var contacts: [ImportedContact] = []
        var rejections: [ImportRejection] = []
        for name in allFixtures {
            let result = try Fixtures.parse(name)
            contacts += result.contacts
            rejections += result.rejections
        }
        return (contacts, rejections)
    }

    func record(_ name: String, emails: [String] = [], handles: [String: String] = [:], organization: String? = nil,
                line: Int = 1, file: String = "t.csv") -> ImportedContact {
        ImportedContact(draft: ContactDraft(name: name, emails: emails, handles: handles, organization: organization),
                        source: SourceLocation(file: file, line: line))
    }

    @Test func sameEmailInTwoFilesIsOnePersonWhateverTheCase() throws {
        let (contacts, _) = try Self.importAll()
        let plan = MergePlanner.plan(existing: [], imported: contacts)

        let apple = try #require(plan.entries.first { $0.source == SourceLocation(file: "apple-contacts.vcf", line: 37) })
        #expect(apple.summary == "merge Ada Lovelace into the new contact from google-contacts.vcf:43: "
            + "+1 e-mail, +linkedin, +2 tags, +notes (apple-contacts.vcf:37)")
        let add = try #require(plan.entries.first { $0.source == SourceLocation(file: "google-contacts.vcf", line: 43) })
        guard case .add(let draft, _) = add.action else { Issue.record("expected an add"); return }
        #expect(draft.emails == ["ada@analytical.example", "ada.byron@lovelace.example"])
        #expect(draft.handles["linkedin"] == "https://linkedin.com/in/ada-lovelace")
        #expect(draft.tags == ["math", "pioneer"])

        let sofia = try #require(plan.entries.first { $0.source == SourceLocation(file: "linkedin-connections-2019.csv", line: 4) })
        #expect(sofia.summary == "merge Sofia Kovalevskaya into the new contact from google-contacts.vcf:56: "
            + "+organization, +title (linkedin-connections-2019.csv:4)")
    }

    @Test func profileURLsMatchAcrossSpellings() throws {
        let (contacts, _) = try Self.importAll()
        let plan = MergePlanner.plan(existing: [], imported: contacts)
        // Google's www.linkedin.com/in/emilie-du-chatelet/ and LinkedIn's fr.linkedin.com one.
        let emilie = try #require(plan.entries.first { $0.source == SourceLocation(file: "linkedin-connections.csv", line: 11) })
        #expect(emilie.summary == "skip Émilie du Châtelet (linkedin-connections.csv:11): duplicate of google-contacts.vcf:1 in this import, nothing new")
        // LinkedIn's Grace has the same profile as Apple's, and nothing Apple's lacks.
        let grace = try #require(plan.entries.first { $0.source == SourceLocation(file: "linkedin-connections.csv", line: 5) })
        #expect(grace.action == .skip(reason: "duplicate of apple-contacts.vcf:1 in this import, nothing new"))

        let variants = [
            record("Ada", handles: ["linkedin": "http://www.LinkedIn.com/in/Ada-Lovelace/?trk=people-guest"], line: 1),
            record("Ada L.", handles: ["linkedin": "ada-lovelace"], line: 2),
            record("A. Lovelace", handles: ["web": "https://uk.linkedin.com/in/ada-lovelace#about"], line: 3),
        ]
        let spelled = MergePlanner.plan(existing: [], imported: variants)
        #expect(spelled.counts.add == 1)
        #expect(spelled.counts.merge + spelled.counts.skip == 2)
    }

    @Test func sameNameWithoutACommonKeyIsTwoPeopleWithANote() throws {
        let (contacts, _) = try Self.importAll()
        let plan = MergePlanner.plan(existing: [], imported: contacts)
        let martins = plan.entries.filter { $0.name == "Jean Martin" }
        #expect(martins.count == 3)
        #expect(martins.allSatisfy { if case .add = $0.action { true } else { false } })
        #expect(martins[1].notes == ["google-contacts.vcf:29 is also named Jean Martin but shares no e-mail or profile; added as another person"])
    }

    /// Found by the e2e corpus (issue #12): a contact with neither e-mail nor profile,
    /// imported without a UID or with only a family name, came back from its own export
    /// as another person (the export's derived UID, a guessed given name were "new").
    @Test func aContactWithoutAddressIsNotAddedAgainFromItsOwnExport() throws {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        var onlyFamily = ContactDetails()
        onlyFamily.familyName = "test"
        onlyFamily.uid = "8OD165Pope"
        var both = ContactDetails()
        both.givenName = "Test"; both.familyName = "Benutzer"
        let existing = [Contact(id: 1, name: "test", notes: "line one", createdAt: now, details: onlyFamily),
                        Contact(id: 2, name: "Test Benutzer", createdAt: now, details: both)]
        let exported = VCardParser.parse(VCardWriter.write(existing), file: "export.vcf")
        #expect(exported.rejections.isEmpty && exported.contacts.count == 2)
        let plan = MergePlanner.plan(existing: existing, imported: exported.contacts)
        #expect(plan.counts.add == 0 && plan.counts.merge == 0 && plan.counts.skip == 2, "\(plan.entries.map(\.summary))")
    }

    @Test func sameNameButDifferentEmailIsNeverMerged() {
        let existing = stored([ContactDraft(name: "Ada Lovelace", emails: ["ada@analytical.example"])], firstID: 7)
        let plan = MergePlanner.plan(existing: existing, imported: [record("ada lovelace", emails: ["countess@lovelace.example"])])
        #expect(plan.counts.add == 1)
        #expect(plan.entries[0].notes == ["a contact named Ada Lovelace already exists (#7) but shares no e-mail or profile with this record; added as another person"])
    }

    @Test func mergeIntoExistingListsWhatIsNew() throws {
        let existing = stored([ContactDraft(name: "Grace Hopper", emails: ["grace@hopper.example"])], firstID: 3)
        let grace = try #require(contact("Grace Hopper", in: try Fixtures.parse("apple-contacts.vcf")))
        let plan = MergePlanner.plan(existing: existing, imported: [grace])
        #expect(plan.summary == ["merge Grace Hopper into #3: +1 e-mail, +linkedin, +mastodon, +twitter, +xmpp, +2 tags, +2 phones, "
            + "+organization, +notes, +title, +given name, +family name (apple-contacts.vcf:1)"])
        guard case .merge(let id, let changes) = plan.entries[0].action else { Issue.record("expected a merge"); return }
        #expect(id == 3)
        #expect(changes.newEmails == ["grace.hopper@navy.example"])
        #expect(changes.organization == "US Navy")
        #expect(changes.details.title == "Rear Admiral")
        #expect(changes.details.givenName == "Grace")
    }

    @Test func addedContactStartsFromTheEarliestConnectionOfTheRecordsMergedIntoIt() throws {
        let (contacts, _) = try Self.importAll()
        let plan = MergePlanner.plan(existing: [], imported: contacts)
        // Google's Sofia has no date; the 2019 LinkedIn export, merged into her, has one.
        let sofia = try #require(plan.entries.first { $0.source == SourceLocation(file: "google-contacts.vcf", line: 56) })
        #expect(sofia.action == .add(draft: ContactDraft(name: "Sofia Kovalevskaya", emails: ["sofia@kovalevskaya.example"],
                                                         organization: "Stockholm University",
                                                         details: ContactDetails(title: "Professor", givenName: "Sofia",
                                                                                 familyName: "Kovalevskaya")),
                                     firstInteraction: Date(timeIntervalSince1970: 1_551_355_200))) // 2019-02-28T12:00:00Z
    }

    @Test func twoRecordsMergingIntoOneContactGiveOneUpdateWithBoth() {
        let existing = stored([ContactDraft(name: "Ada", emails: ["ada@x.example"]), ContactDraft(name: "Bob", emails: ["bob@x.example"])])
        let plan = MergePlanner.plan(existing: existing, imported: [
            record("Ada", emails: ["ada@x.example"], organization: "AES", line: 2),
            record("Ada", emails: ["ada@x.example", "countess@x.example"], line: 3),
        ])
        #expect(plan.summary == ["merge Ada into #1: +organization (t.csv:2)", "merge Ada into #1: +1 e-mail (t.csv:3)"])
        let updated = plan.updatedContacts(from: existing)
        #expect(updated.count == 1)
        #expect(updated.first?.emails == ["ada@x.example", "countess@x.example"])
        #expect(updated.first?.organization == "AES")
    }

    @Test func existingValuesAreKeptAndConflictsNoted() {
        let existing = stored([ContactDraft(name: "Ada", emails: ["ada@x.example"], organization: "AES")], firstID: 1)
        let plan = MergePlanner.plan(existing: existing, imported: [record("Ada", emails: ["ADA@x.example"], organization: "Babbage & Co")])
        #expect(plan.entries[0].action == .skip(reason: "already up to date"))
        #expect(plan.entries[0].notes == ["organization differs: kept AES, the file has Babbage & Co"])
    }

    @Test func anAddressOwnedByAnotherContactIsNotMovedToThisOne() {
        let existing = stored([
            ContactDraft(name: "Ada", emails: ["ada@x.example"]),
            ContactDraft(name: "Charles", emails: ["charles@x.example"]),
        ])
        let plan = MergePlanner.plan(existing: existing, imported: [record("Ada", emails: ["ada@x.example", "charles@x.example"])])
        #expect(plan.entries[0].action == .skip(reason: "already up to date"))
        #expect(plan.entries[0].notes == [
            "also shares an e-mail or profile with #2; not merged with it",
            "charles@x.example belongs to #2; not added",
        ])
    }

    @Test func importingTheSameFilesTwicePlansOnlySkips() throws {
        let (contacts, rejections) = try Self.importAll()
        let first = MergePlanner.plan(existing: [], imported: contacts, rejections: rejections)
        #expect(first.counts.add > 0)
        let afterFirst = applying(first, to: [])

        let second = MergePlanner.plan(existing: afterFirst, imported: contacts, rejections: rejections)
        #expect(second.counts.add == 0)
        #expect(second.counts.merge == 0)
        #expect(second.counts.skip == contacts.count)
        #expect(applying(second, to: afterFirst) == afterFirst)
    }

    @Test func planAgainstEverythingAlreadyStoredIsAllSkips() throws {
        let records = try Fixtures.parse("google-contacts.vcf").contacts
        let existing = stored(records.map(\.draft))
        let plan = MergePlanner.plan(existing: existing, imported: records)
        #expect(plan.entries.allSatisfy {
            if case .skip(let reason) = $0.action { reason.hasPrefix("already up to date") } else { false }
        })
    }

    @Test func keylessRecordMatchesOnlyANamesakeThatAlreadyHasEverything() {
        let existing = stored([ContactDraft(name: "Jean Martin", organization: "Boulangerie Martin")], firstID: 4)
        let plan = MergePlanner.plan(existing: existing, imported: [
            record("Jean Martin", organization: "Boulangerie Martin", line: 2),
            record("Jean Martin", organization: "Boulangerie Martin", line: 3),
            record("Jean Martin", organization: "Martin & Fils", line: 4),
        ])
        #expect(plan.summary[0] == "skip Jean Martin (t.csv:2): already up to date (same as #4, which has everything this record has)")
        // One stored Jean Martin accounts for one record: the second identical row is another person.
        #expect(plan.entries[1].action == .add(draft: ContactDraft(name: "Jean Martin", organization: "Boulangerie Martin"), firstInteraction: nil))
        #expect(plan.entries[2].action == .add(draft: ContactDraft(name: "Jean Martin", organization: "Martin & Fils"), firstInteraction: nil))
    }

    @Test func planCountsRejectionsAndEncodesAsJSON() throws {
        let (contacts, rejections) = try Self.importAll()
        let plan = MergePlanner.plan(existing: [], imported: contacts, rejections: rejections)
        #expect(plan.counts.rejected == 3)  // the e-mail-only card is named after its address
        #expect(plan.counts.add + plan.counts.merge + plan.counts.skip == contacts.count)
        #expect(plan.summary.last == "reject linkedin-connections.csv:13: a quoted field opened on this row is never closed (a stray \" ?); the row was skipped")
        #expect(plan.summary.first == "add Émilie du Châtelet (google-contacts.vcf:1)")

        let json = try JSONEncoder().encode(plan)
        #expect(try JSONDecoder().decode(ImportPlan.self, from: json) == plan)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(Set(object.keys) == ["entries", "rejections", "counts", "summary"])
    }
}
