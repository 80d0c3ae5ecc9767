import Foundation
import RelanceCore
import RelanceInterchange
import Testing

@Suite("vCard parsing")
struct VCardParserTests {
    // MARK: Google Contacts export (vCard 3.0, CRLF, folded lines)

    @Test func googleExportReadsEveryCardAndNamesTheNamelessOneAfterItsAddress() throws {
        let result = try Fixtures.parse("google-contacts.vcf")

        // The card at line 51 has an e-mail address and no FN or N (issue #12: Android and
        // Radicale address books keep such cards): named after the address, and said so.
        #expect(result.contacts.map(\.draft.name) == [
            "Émilie du Châtelet", "Łukasz Wiśniewski", "Jean Martin", "Jean Martin", "Ada Lovelace", "nobody@example.com",
            "Sofia Kovalevskaya",
        ])
        #expect(result.contacts.map(\.source.line) == [1, 17, 29, 36, 43, 51, 56])
        #expect(result.rejections.isEmpty)
        #expect(result.contacts[5].warnings == [
            "no name (the card has neither FN nor N): named after its e-mail address; rename it with `relancectl contact update`"])
    }

    @Test func aCardWithNeitherNameNorAddressIsStillRejected() {
        let result = VCardParser.parse("BEGIN:VCARD\r\nVERSION:3.0\r\nORG:Mystery Inc\r\nEND:VCARD\r\n", file: "x.vcf")
        #expect(result.contacts.isEmpty)
        #expect(result.rejections.map(\.description) == ["x.vcf:1: no name (the card has neither FN nor N)"])
    }

    @Test func groupedEmailsFoldedNotesAndEscapesAreRead() throws {
        let emilie = try #require(contact("Émilie du Châtelet", in: try Fixtures.parse("google-contacts.vcf")))

        #expect(emilie.draft.emails == ["emilie@chatelet.example", "emilie.duchatelet@academie-sciences.example"])
        #expect(emilie.draft.organization == "Académie royale des sciences")
        #expect(emilie.title == "Philosophe naturelle")
        #expect(emilie.phones == ["+33 6 12 34 56 78"])
        #expect(emilie.draft.notes == """
            Translated Newton's Principia into French, with her own commentary.
            Ask about the "Institutions de physique" and kinetic energy (mv²); she argued for vis viva against the Newtonians.
            """)
        #expect(emilie.source == SourceLocation(file: "google-contacts.vcf", line: 1))
    }

    @Test func theFieldsPeopleHaveAreKeptAndTheGreetingIsTheGivenName() throws {
        let card = """
            BEGIN:VCARD\r
            VERSION:3.0\r
            UID:google-contact-7f3a\r
            FN:Dr. Grace Hopper\r
            N:Hopper;Grace;Brewster Murray;Dr.;\r
            ORG:US Navy;Naval Data Automation Command\r
            TITLE:Rear Admiral\r
            TEL;TYPE=CELL:+1 202 555 0100\r
            TEL;TYPE=WORK;TYPE=PREF:tel:+1 202 555 0199\r
            URL:https://grace.example/\r
            BDAY:1906-12-09\r
            PHOTO;VALUE=uri:https://grace.example/photo.jpg\r
            END:VCARD\r

            """
        let grace = try #require(VCardParser.parse(card, file: "grace.vcf").contacts.first)
        #expect(grace.draft.details == ContactDetails(
            phones: ["+1 202 555 0199", "+1 202 555 0100"], title: "Rear Admiral", department: "Naval Data Automation Command",
            websites: ["https://grace.example/"], givenName: "Grace", familyName: "Hopper", birthday: "1906-12-09",
            photo: "https://grace.example/photo.jpg", uid: "google-contact-7f3a"))
        #expect(grace.draft.organization == "US Navy")
        let stored = Contact(id: 1, name: grace.draft.name, createdAt: Date(), details: grace.draft.details)
        #expect(stored.greetingName == "Grace")
        // A birthday without a year (vCard 3.0's --MMDD) is kept; nonsense is dropped with a warning.
        let noYear = VCardParser.parse("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nBDAY:--1210\r\nEND:VCARD\r\n", file: "a.vcf")
        #expect(noYear.contacts.first?.draft.details.birthday == "--12-10")
        let bad = VCardParser.parse("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nBDAY:soon\r\nEND:VCARD\r\n", file: "a.vcf")
        #expect(bad.contacts.first?.draft.details.birthday == nil)
        #expect(bad.contacts.first?.warnings == ["ignored birthday 'soon' (not a date such as 1815-12-10)"])
    }

    @Test func googleSystemGroupsAreNotTags() throws {
        let result = try Fixtures.parse("google-contacts.vcf")
        #expect(contact("Émilie du Châtelet", in: result)?.draft.tags == ["physics", "paris"])
        #expect(contact("Łukasz Wiśniewski", in: result)?.draft.tags == [])
    }

    @Test func linkedInURLBecomesTheLinkedInHandle() throws {
        let emilie = try #require(contact("Émilie du Châtelet", in: try Fixtures.parse("google-contacts.vcf")))
        #expect(emilie.draft.handles == ["linkedin": "https://www.linkedin.com/in/emilie-du-chatelet/"])
        #expect(emilie.urls == ["https://www.linkedin.com/in/emilie-du-chatelet/"])
    }

    @Test func invalidEmailIsDroppedWithAWarningAndTheContactKept() throws {
        let lukasz = try #require(contact("Łukasz Wiśniewski", in: try Fixtures.parse("google-contacts.vcf")))
        #expect(lukasz.draft.emails == ["lukasz@wisniewski.example"])
        #expect(lukasz.warnings == ["dropped e-mail 'not-an-address' (not an address)"])
        #expect(lukasz.draft.timeZone == "Europe/Warsaw")
    }

    @Test func latin1QuotedPrintableWithSoftBreakIsDecoded() throws {
        let lukasz = try #require(contact("Łukasz Wiśniewski", in: try Fixtures.parse("google-contacts.vcf")))
        #expect(lukasz.draft.notes == "Rencontré au café des sciences, Varsovie.")
    }

    @Test func nameFallsBackToGivenAndFamilyFromN() throws {
        let ada = try #require(contact("Ada Lovelace", in: try Fixtures.parse("google-contacts.vcf")))
        #expect(ada.draft.organization == "Analytical Engine Society")
        #expect(ada.title == "Author of the Notes on Menabrea's Sketch of the Analytical Engine invented by Charles Babbage")
    }

    @Test func twoCardsWithTheSameNameStayTwoRecords() throws {
        let martins = try Fixtures.parse("google-contacts.vcf").contacts.filter { $0.draft.name == "Jean Martin" }
        #expect(martins.map(\.draft.organization) == ["Boulangerie Martin", "Martin & Fils Conseil"])
        #expect(martins.allSatisfy { $0.draft.emails.isEmpty })
    }

    // MARK: Apple Contacts export

    @Test func appleSocialProfilesAndIMPPBecomeHandles() throws {
        let grace = try #require(contact("Grace Hopper", in: try Fixtures.parse("apple-contacts.vcf")))
        #expect(grace.draft.handles == [
            "linkedin": "https://www.linkedin.com/in/grace-hopper",
            "twitter": "http://twitter.com/gracehopper",
            "mastodon": "https://mastodon.social/@grace",
            "xmpp": "grace@jabber.example",
        ])
    }

    @Test func preferredEmailAndPhoneComeFirst() throws {
        let grace = try #require(contact("Grace Hopper", in: try Fixtures.parse("apple-contacts.vcf")))
        #expect(grace.draft.emails == ["grace@hopper.example", "grace.hopper@navy.example"])
        #expect(grace.phones == ["+1 202 555 0147", "+1 202 555 0100"])
        #expect(grace.draft.organization == "US Navy")
        #expect(grace.draft.tags == ["computing", "navy"])
    }

    @Test func quotedPrintableNoteWithSoftBreaksIsJoined() throws {
        let grace = try #require(contact("Grace Hopper", in: try Fixtures.parse("apple-contacts.vcf")))
        #expect(grace.draft.notes == "Invented the first compiler (A-0).\nAsk about COBOL and the “bug” — the moth taped in the Mark II log book.")
    }

    @Test func photoAndCompanyCardDoNotGetInTheWay() throws {
        let result = try Fixtures.parse("apple-contacts.vcf")
        #expect(result.contacts.map(\.draft.name) == ["Grace Hopper", "Analytical Engines Ltd", "Ada Lovelace"])
        #expect(result.contacts.map(\.source.line) == [1, 27, 37])
        #expect(result.rejections.isEmpty)
    }

    @Test func utcOffsetTimeZoneIsIgnoredWithAWarning() throws {
        let ada = try #require(contact("Ada Lovelace", in: try Fixtures.parse("apple-contacts.vcf")))
        #expect(ada.draft.timeZone == nil)
        #expect(ada.warnings == ["ignored time zone '-05:00' (not an IANA name such as Europe/Paris)"])
        #expect(ada.draft.handles == ["linkedin": "https://linkedin.com/in/ada-lovelace"])
    }

    // MARK: vCard 4.0 and edge cases

    @Test func vCard4PreferenceParametersAndSocialProfile() {
        let text = """
            BEGIN:VCARD
            VERSION:4.0
            FN:Yukihiro Matsumoto
            EMAIL;TYPE=work:matz@work.example
            EMAIL;PREF=1:matz@ruby.example
            TZ:Asia/Tokyo
            SOCIALPROFILE;SERVICE-TYPE=Mastodon:https://ruby.social/@matz
            IMPP;PREF=1:xmpp:matz@jabber.example
            CATEGORIES:ruby,language design,japan
            END:VCARD
            """
        let result = VCardParser.parse(text, file: "matz.vcf")
        let matz = result.contacts.first
        #expect(matz?.draft.emails == ["matz@ruby.example", "matz@work.example"])
        #expect(matz?.draft.timeZone == "Asia/Tokyo")
        #expect(matz?.draft.handles == ["mastodon": "https://ruby.social/@matz", "xmpp": "matz@jabber.example"])
    }

    @Test func foldingWithTabsAndBareCarriageReturnsIsUnfolded() {
        let text = "BEGIN:VCARD\rVERSION:3.0\rFN:Hedy\r\tLamarr\rEMAIL:hedy@\r lamarr.example\rEND:VCARD\r"
        let result = VCardParser.parse(text, file: "cr.vcf")
        #expect(result.contacts.first?.draft.name == "HedyLamarr")
        #expect(result.contacts.first?.draft.emails == ["hedy@lamarr.example"])
    }

    @Test func controlCharactersNeverReachTheDraft() throws {
        let text = "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\\nLovelace\u{1B}[31m\nORG:Analytical\\nEngines\nNOTE:line one\\nline\u{0} two\nCATEGORIES:a\\nb\nEND:VCARD\n"
        let ada = try #require(VCardParser.parse(text, file: "ctl.vcf").contacts.first)
        #expect(ada.draft.name == "Ada Lovelace[31m")
        #expect(ada.draft.organization == "Analytical Engines")
        #expect(ada.draft.notes == "line one\nline two")
        #expect(ada.draft.tags == ["a b"])
        #expect(throws: Never.self) { try ada.draft.validated() }
    }

    @Test func unterminatedCardIsRejectedAtItsBegin() {
        let text = "BEGIN:VCARD\nFN:Ada Lovelace\nEND:VCARD\n\nBEGIN:VCARD\nFN:Grace Hopper\n"
        let result = VCardParser.parse(text, file: "cut.vcf")
        #expect(result.contacts.map(\.draft.name) == ["Ada Lovelace"])
        #expect(result.rejections.map(\.description) == ["cut.vcf:5: the card has no END:VCARD (the file ends inside it)"])
    }

    @Test func keptAndDroppedAddressesAgreeWithCoreValidation() throws {
        let samples = ["a@b.example", "a@b", "@b.example", "a@@b.example", "a@b@c.example", "a.b@c", "ü@straße.example",
                       "x@y.z.", "first.last+tag@sub.example.org", "a@.", "a>@b.example", "a\u{9F}b@c.example"]
        let text = "BEGIN:VCARD\nFN:Probe\n" + samples.map { "EMAIL:\($0)\n" }.joined() + "END:VCARD\n"
        let probe = try #require(VCardParser.parse(text, file: "probe.vcf").contacts.first)
        for sample in samples {
            let valid = (try? Validation.emailAddress(sample, field: "email")) != nil
            #expect(probe.draft.emails.contains(sample) == valid, "\(sample)")
        }
    }

    @Test func escapedSemicolonStaysInsideAStructuredComponent() throws {
        let text = "BEGIN:VCARD\nVERSION:3.0\nFN:X\nORG:Smith\\; Jones\\, Partners;Legal\nEND:VCARD\n"
        let contact = try #require(VCardParser.parse(text, file: "org.vcf").contacts.first)
        #expect(contact.draft.organization == "Smith; Jones, Partners")
    }
}
