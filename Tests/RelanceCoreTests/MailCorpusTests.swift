import Foundation
import RelanceCore
import Testing

/// Real bounces and automatic replies from the Sisimai test corpus (Fixtures/mail,
/// sources and licence in SOURCES.md): each is classified as what it is.
@Suite struct MailCorpusTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/mail")

    static func files(_ prefixes: [String]) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { name in name.hasSuffix(".eml") && prefixes.contains { name.hasPrefix($0) } }.sorted()
    }

    static func message(_ name: String) -> String {
        let data = (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: files(["rfc3834-"]))
    func automaticRepliesAreNoReply(_ name: String) {
        #expect(MailMeaning.of(MailHeaders(parsing: Self.message(name))) == .autoReply, "\(name)")
    }

    @Test(arguments: files(["rfc3464-", "lhost-postfix-", "lhost-exim-", "lhost-sendmail-", "lhost-qmail-",
                            "lhost-gmail-", "lhost-office365-"]))
    func bouncesAreBouncesAndNameTheirRecipient(_ name: String) {
        let text = Self.message(name)
        #expect(MailMeaning.of(MailHeaders(parsing: text)) == .bounce, "\(name)")
        let report = DeliveryStatusReport(body: String(MailHeaders.body(of: text)))
        // Best effort for non-standard bounces: these name no usable address where we look.
        let knownMisses: [String: String] = [
            "lhost-exim-04.eml": "the failed address has no domain",
            "lhost-postfix-07.eml": "the report is ISO-2022-JP text with no Final-Recipient",
        ]
        #expect(report.recipients.isEmpty == (knownMisses[name] != nil), "\(name): \(report.recipients)")
    }

    @Test func theCorpusIsThere() {
        #expect(Self.files(["rfc3834-"]).count >= 5)
        #expect(Self.files(["rfc3464-", "lhost-"]).count >= 40)
    }
}
