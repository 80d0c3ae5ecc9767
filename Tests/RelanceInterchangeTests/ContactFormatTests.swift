import RelanceInterchange
import Testing

@Suite("Format detection")
struct ContactFormatTests {
    @Test func vCardIsRecognisedByContentWhateverTheName() {
        #expect(ContactFormat.detect(text: "\u{FEFF}BEGIN:VCARD\r\nVERSION:3.0\r\n", fileName: "export.txt") == .vcard)
    }

    @Test func linkedInIsRecognisedAfterItsNotesPreamble() throws {
        #expect(ContactFormat.detect(text: try Fixtures.text("linkedin-connections.csv"), fileName: "Connections.csv") == .linkedinCSV)
    }

    @Test func olderLinkedInExportWithoutURLIsRecognised() throws {
        #expect(ContactFormat.detect(text: try Fixtures.text("linkedin-connections-2019.csv"), fileName: "c.csv") == .linkedinCSV)
    }

    @Test func otherCSVIsGeneric() throws {
        #expect(ContactFormat.detect(text: try Fixtures.text("people.csv"), fileName: "people.csv") == .csv)
    }

    @Test func emptyVcfFileFallsBackOnTheExtension() {
        #expect(ContactFormat.detect(text: "", fileName: "Contacts.VCF") == .vcard)
        #expect(ContactFormat.detect(text: "", fileName: nil) == .csv)
    }
}
