import Foundation
import RelanceCore
import RelanceInterchange
import Testing

@Suite("CSV parsing")
struct CSVContactsParserTests {
    // MARK: LinkedIn Connections.csv

    @Test func linkedInPreambleIsSkippedAndRowsKeepTheirLineNumbers() throws {
        let result = try Fixtures.parse("linkedin-connections.csv")

        #expect(result.contacts.map(\.draft.name) == [
            "Grace Hopper", "Katherine Johnson", "Alan Turing", "Margaret Hamilton", "Émilie du Châtelet", "Radia Perlman",
        ])
        // Margaret's position spans lines 8–9, so the rows after it still count right.
        #expect(result.contacts.map(\.source.line) == [5, 6, 7, 8, 11, 14])
    }

    @Test func brokenLinkedInRowsAreRejectedWithTheirLineAndTheRestIsRead() throws {
        let result = try Fixtures.parse("linkedin-connections.csv")
        #expect(result.rejections.map(\.description) == [
            "linkedin-connections.csv:10: no name (columns First Name/Last Name are empty)",
            "linkedin-connections.csv:12: 8 fields, but the header has 7 (a comma or a quote out of place?)",
            "linkedin-connections.csv:13: a quoted field opened on this row is never closed (a stray \" ?); the row was skipped",
        ])
    }

    @Test func linkedInColumnsMapByHeaderName() throws {
        let result = try Fixtures.parse("linkedin-connections.csv")
        let katherine = try #require(contact("Katherine Johnson", in: result))
        #expect(katherine.draft.emails == ["katherine@nasa.example"])
        #expect(katherine.draft.organization == "NASA")
        #expect(katherine.title == "Mathematician, Flight Research Division")
        #expect(katherine.draft.handles == ["linkedin": "https://www.linkedin.com/in/katherine-johnson"])
        #expect(katherine.urls == ["https://www.linkedin.com/in/katherine-johnson"])
        #expect(contact("Alan Turing", in: result)?.title == "Reader in \"Computing Machines\"")
        #expect(contact("Margaret Hamilton", in: result)?.title == "Founder and CEO")
        // First Name / Last Name are the name parts a draft greets by; Position is the title.
        #expect(katherine.draft.details.givenName == "Katherine" && katherine.draft.details.familyName == "Johnson")
        #expect(katherine.draft.details.title == "Mathematician, Flight Research Division")
        #expect(katherine.draft.details.websites.isEmpty, "the profile is the linkedin handle, not a web site")
    }

    @Test func connectedOnIsNoonUTCThatDay() throws {
        let result = try Fixtures.parse("linkedin-connections.csv")
        #expect(contact("Grace Hopper", in: result)?.firstInteraction == Date(timeIntervalSince1970: 1_765_108_800)) // 2025-12-07T12:00:00Z
        #expect(contact("Katherine Johnson", in: result)?.firstInteraction == Date(timeIntervalSince1970: 1_710_244_800)) // 2024-03-12T12:00:00Z
    }

    @Test func olderLinkedInExportWithoutURLOrNotes() throws {
        let result = try Fixtures.parse("linkedin-connections-2019.csv")
        #expect(result.rejections.isEmpty)
        #expect(result.contacts.map(\.draft.name) == ["Tim Berners-Lee", "Jean Martin", "Sofia Kovalevskaya"])
        #expect(result.contacts.map(\.source.line) == [2, 3, 4])
        let tim = try #require(contact("Tim Berners-Lee", in: result))
        #expect(tim.draft.handles.isEmpty)
        #expect(tim.draft.emails == ["timbl@w3.example"])
        #expect(tim.firstInteraction == Date(timeIntervalSince1970: 1_565_784_000)) // 2019-08-14T12:00:00Z
    }

    @Test func unreadableConnectedOnIsAWarningNotARejection() throws {
        let text = "First Name,Last Name,Connected On\nAda,Lovelace,sometime in 1843\n"
        let result = CSVContactsParser.parse(text, file: "c.csv", format: .linkedin)
        #expect(result.contacts.first?.firstInteraction == nil)
        #expect(result.contacts.first?.warnings == ["ignored Connected On 'sometime in 1843' (expected a date like 07 Dec 2025)"])
    }

    @Test func fileWithoutLinkedInHeaderIsOneRejection() {
        let result = CSVContactsParser.parse("Name,Email\nAda,ada@x.example\n", file: "x.csv", format: .linkedin)
        #expect(result.contacts.isEmpty)
        #expect(result.rejections.map(\.source.line) == [1])
    }

    // MARK: Generic CSV

    @Test func genericCSVWithMapReadsMappedAndRecognisedColumns() throws {
        let map = ["name": "Full Name", "email": "Work Email", "organization": "Employer",
                   "time zone": "Zone", "tags": "Labels", "notes": "Comments"]
        let result = try Fixtures.parse("people.csv", map: map)

        #expect(result.contacts.map(\.draft.name) == ["Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Yukihiro Matsumoto"])
        let ada = try #require(contact("Ada Lovelace", in: result))
        #expect(ada.draft.emails == ["ada@analytical.example"])
        #expect(ada.draft.organization == "Analytical Engine Society")
        #expect(ada.draft.timeZone == "Europe/London")
        #expect(ada.draft.tags == ["math", "pioneer"])
        #expect(ada.draft.why == "First programmer")
        #expect(ada.draft.notes == "Met at the \"Difference Engine\" exhibit")
        #expect(contact("Grace Hopper", in: result)?.draft.tags == ["computing", "navy"])
        #expect(result.rejections.map(\.description) == ["people.csv:5: no name (column Full Name is empty)"])
    }

    @Test func genericCSVRecognisesCommonHeadersWithoutAMap() {
        let text = """
            First Name,Last Name,E-mail,Company,Title,Time Zone,Tags,Notes,LinkedIn,Phone,Why
            Ada,Lovelace,ada@analytical.example;ada@lovelace.example,AES,Countess,Europe/London,"math, poetry",Notes here,ada-lovelace,+44 20 7946 0000,First program
            """
        let result = CSVContactsParser.parse(text, file: "g.csv", format: .generic())
        let ada = result.contacts.first
        #expect(ada?.draft.name == "Ada Lovelace")
        #expect(ada?.draft.emails == ["ada@analytical.example", "ada@lovelace.example"])
        #expect(ada?.draft.handles == ["linkedin": "ada-lovelace"])
        #expect(ada?.draft.tags == ["math", "poetry"])
        #expect(ada?.phones == ["+44 20 7946 0000"])
        #expect(ada?.title == "Countess")
        #expect(ada?.draft.why == "First program")
    }

    @Test func unknownMapFieldIsReportedAtTheHeader() {
        let result = CSVContactsParser.parse("\n\nWho,Mail\nAda,a@b.example\n", file: "m.csv",
                                             format: .generic(map: ["nickname": "Who"]))
        #expect(result.contacts.isEmpty)
        #expect(result.rejections.first?.source.line == 3)
        #expect(result.rejections.first?.reason.hasPrefix("the map names an unknown field 'nickname'") == true)
    }

    @Test func mapToAMissingColumnIsReported() {
        let result = CSVContactsParser.parse("Name,Mail\nAda,a@b.example\n", file: "m.csv",
                                             format: .generic(map: ["email": "E-mail Address"]))
        #expect(result.rejections.map(\.description) == [
            "m.csv:1: the map puts email in column 'E-mail Address', but the header has no such column (columns: Name, Mail)",
        ])
    }

    @Test func headerWithoutANameColumnIsReported() {
        let result = CSVContactsParser.parse("Mail,Company\na@b.example,X\n", file: "n.csv", format: .generic())
        #expect(result.rejections.first?.reason.hasPrefix("no name column in the header") == true)
    }

    @Test func quotedFieldsWithCommasQuotesAndCRLFLineBreaks() {
        let text = "\u{FEFF}Name,Notes\r\n\"Lovelace, Ada\",\"She said \"\"hello\"\"\r\non two lines\"\r\nGrace Hopper,\r\n"
        let result = CSVContactsParser.parse(text, file: "q.csv", format: .generic())
        #expect(result.contacts.map(\.draft.name) == ["Lovelace, Ada", "Grace Hopper"])
        #expect(result.contacts.map(\.source.line) == [2, 4])
        #expect(result.contacts.first?.draft.notes == "She said \"hello\"\non two lines")
    }

    @Test func missingFieldsAreRejectedAndTrailingEmptyOnesTolerated() {
        let text = "Name,Email,Company\nAda,ada@x.example\nGrace,grace@x.example,Navy,,\n"
        let result = CSVContactsParser.parse(text, file: "f.csv", format: .generic())
        #expect(result.contacts.map(\.draft.name) == ["Grace"])
        #expect(result.rejections.map(\.description) == ["f.csv:2: 2 fields, but the header has 3 (a comma or a quote out of place?)"])
    }
}

/// Issue #12: LinkedIn exports have rows of commas; they are skipped and located, never
/// a rejection that blocks the file.
@Suite struct CSVEmptyRowTests {
    @Test func rowsOfOnlySeparatorsAreSkippedWithTheirLine() {
        let text = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
            + "Ada,Lovelace,,ada@example.com,,,07 Dec 2025\n,,,,,,\n\nGrace,Hopper,,,,,\n"
        let (result, empty) = CSVContactsParser.read(text, file: "Connections.csv", format: .linkedin)
        #expect(result.contacts.map(\.draft.name) == ["Ada Lovelace", "Grace Hopper"])
        #expect(result.rejections.isEmpty)
        #expect(empty.map(\.description) == ["Connections.csv:3"])
    }
}
