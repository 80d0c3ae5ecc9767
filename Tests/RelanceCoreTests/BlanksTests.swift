import Foundation
import RelanceCore
import Testing

@Suite struct BlanksTests {
    /// The predicates say what Foundation's sets hold, for every scalar.
    @Test func predicatesMatchFoundationsSets() {
        let whitespaces = CharacterSet.whitespaces, andNewlines = CharacterSet.whitespacesAndNewlines
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if Blanks.isWhitespace(scalar) != whitespaces.contains(scalar)
                || Blanks.isWhitespaceOrNewline(scalar) != andNewlines.contains(scalar) {
                Issue.record("U+\(String(value, radix: 16)) is classed unlike Foundation")
            }
        }
    }

    @Test(arguments: ["call Ada", " call Ada", "call Ada\t", "\u{3000}call\u{2028}", "\n", "", "\u{85}x\u{85}", "é\u{301} ", "\u{200B}zero width\u{200B}"])
    func trimsAsFoundationDoes(_ text: String) {
        #expect(Blanks.trimmingWhitespace(text) == text.trimmingCharacters(in: .whitespaces))
        #expect(Blanks.trimmingWhitespaceAndNewlines(text) == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
