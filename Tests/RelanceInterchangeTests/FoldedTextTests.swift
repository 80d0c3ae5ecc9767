import Foundation
import RelanceInterchange
import Testing

/// A fold that splits a UTF-8 character (kcontacts' vcard9.vcf, from the e2e corpus).
@Suite struct FoldedTextTests {
    @Test func aFoldInsideACharacterStillReadsAsUTF8WithItsLinesInPlace() throws {
        // "FN:αβ" folded between the two bytes of β (0xCE 0xB2).
        var bytes = Array("BEGIN:VCARD\r\nFN:α".utf8) + [0xCE, 0x0D, 0x0A, 0x20, 0xB2]
        bytes += Array("\r\nEND:VCARD\r\n".utf8)
        let data = Data(bytes)
        #expect(String(data: data, encoding: .utf8) == nil)
        let text = try #require(FoldedText.utf8(data))
        #expect(text == "BEGIN:VCARD\r\nFN:αβ\r\n \r\nEND:VCARD\r\n")
        let card = try #require(VCardParser.parse(text, file: "c.vcf").contacts.first)
        #expect(card.draft.name == "αβ")
        // Valid UTF-8 is left as it is; bytes that are not UTF-8 at all are not made so.
        #expect(FoldedText.utf8(Data("FN:é\r\n x".utf8)) == "FN:é\r\n x")
        #expect(FoldedText.utf8(Data([0x46, 0xE9, 0x0A])) == nil)
    }
}
