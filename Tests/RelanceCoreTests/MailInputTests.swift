import Foundation
import RelanceCore
import Testing

/// `MailInput.prefix(_:escapedBytes:)`: what `relancectl ingest` sends always fits one
/// Varlink message once JSON-escaped, however hostile the bytes.
@Suite struct MailInputTests {
    func escapedSize(_ text: Substring) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(String(text)).count - 2  // the quotes
    }

    @Test(arguments: [
        String(repeating: "a", count: 5000),
        String(decoding: (1..<32).map { UInt8($0) } + [0x22, 0x5C, 0x2F], as: UTF8.self),
        String(repeating: "\u{1}\u{2}\u{1F}", count: 2000),
        String(decoding: [UInt8](repeating: 0xFF, count: 3000), as: UTF8.self),  // U+FFFD, 3 bytes each
        String(repeating: "café 😀 \r\n\"\\", count: 500),
    ])
    func theCutFitsTheBudgetAndKeepsAsMuchAsFits(_ text: String) throws {
        for budget in [0, 1, 5, 6, 7, 100, 4095] {
            let cut = MailInput.prefix(text, escapedBytes: budget)
            #expect(text.hasPrefix(cut))
            #expect(try escapedSize(cut) <= budget)
            // one more Character would not have fit
            if cut.endIndex < text.endIndex {
                #expect(try escapedSize(text[...cut.endIndex]) > budget)
            }
        }
        #expect(MailInput.prefix(text, escapedBytes: .max) == text[...])
    }
}
