import Foundation
import RelanceCore
import RelanceInterchange
import Testing

/// A speed check, not a timed test: it prints how long parsing and planning take and
/// only asserts the results. The full size runs with RELANCE_SPEED=1, ideally in release:
/// `RELANCE_SPEED=1 swift test -c release --filter InterchangeSpeed`.
@Suite("Interchange speed")
struct InterchangeSpeedTests {
    static let full = ProcessInfo.processInfo.environment["RELANCE_SPEED"] == "1"

    /// `count` cards like a Google export's, folded notes and grouped e-mails included.
    static func generatedVCards(_ count: Int) -> String {
        var text = ""
        text.reserveCapacity(count * 400)
        for index in 0..<count {
            text += """
                BEGIN:VCARD\r
                VERSION:3.0\r
                FN:Person Number\(index) Ünïcode\r
                N:Number\(index) Ünïcode;Person;;;\r
                EMAIL;TYPE=INTERNET;TYPE=HOME:person\(index)@example.com\r
                item1.EMAIL;TYPE=INTERNET:p\(index)@work.example\r
                item1.X-ABLabel:Work\r
                TEL;TYPE=CELL:+1 555 01\(index % 100)\r
                ORG:Company \(index % 500)\r
                TITLE:Engineer\r
                URL:https://www.linkedin.com/in/person-\(index)/\r
                NOTE:Met at meetup \(index % 50)\\, talked about Swift and the weather for a long\r
                  while\\; follow up in spring.\r
                CATEGORIES:myContacts,tag\(index % 20)\r
                END:VCARD\r

                """
        }
        return text
    }

    @Test func tenThousandCardsAgainstAThousandContacts() {
        let cards = Self.full ? 10_000 : 100
        let existingCount = Self.full ? 1_000 : 10
        let text = Self.generatedVCards(cards)
        // Every tenth existing contact shares an e-mail with a card, so some records merge.
        let existing = (0..<existingCount).map { index in
            Contact(id: Int64(index + 1), name: "Existing \(index)",
                    emails: [index % 10 == 0 ? "person\(index)@example.com" : "existing\(index)@example.org"],
                    createdAt: Date(timeIntervalSince1970: 0))
        }

        let clock = ContinuousClock()
        var result: ContactImport = ([], [])
        let parsing = clock.measure { result = VCardParser.parse(text, file: "generated.vcf") }
        var plan: ImportPlan?
        let planning = clock.measure { plan = MergePlanner.plan(existing: existing, imported: result.contacts) }
        print("interchange speed: parsed \(cards) vCards in \(parsing), planned against \(existingCount) contacts in \(planning)")

        #expect(result.contacts.count == cards)
        #expect(result.rejections.isEmpty)
        #expect(plan?.counts.merge == existingCount / 10)
        #expect(plan?.counts.add == cards - existingCount / 10)
    }
}
