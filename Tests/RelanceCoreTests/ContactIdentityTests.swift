import Foundation
import RelanceCore
import Testing

@Suite struct ContactIdentityTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func sameEmailIgnoringCaseOrSameProfileIsTheSamePerson() {
        let ada = Contact(id: 1, name: "Ada", emails: ["ada@example.com"], handles: ["linkedin": "https://www.linkedin.com/in/ada/"], createdAt: now)
        let emailClash = ContactIdentity.firstClash(of: ContactDraft(name: "X", emails: ["Ada@Example.com"]), among: [ada])
        #expect(emailClash == .init(field: "emails", value: "Ada@Example.com", existing: ada))
        let urlClash = ContactIdentity.firstClash(of: ContactDraft(name: "X", handles: ["li": "linkedin.com/in/ADA?trk=1"]), among: [ada])
        #expect(urlClash?.field == "handles.li")
        #expect(ContactIdentity.firstClash(of: ContactDraft(name: "Ada"), among: [ada]) == nil)
        #expect(ContactIdentity.firstClash(of: ContactDraft(name: "X", handles: ["github": "ada"]), among: [ada]) == nil)
    }

    @Test func mergeKeepsTheKeptFieldsAndFillsTheEmptyOnes() {
        let kept = Contact(id: 1, name: "Ada Lovelace", emails: ["ada@example.com"], handles: ["linkedin": "a"],
                           why: "engines", tags: ["math"], notes: "met at the Royal Society", createdAt: now)
        let merged = Contact(id: 2, name: "Ada King", emails: ["ADA@example.com", "countess@example.com"],
                             handles: ["linkedin": "b", "github": "ada"], organization: "AE", timeZone: "Europe/London",
                             tags: ["Math", "poetry"], notes: "daughter of Byron", keepInTouch: .businessDays(30),
                             createdAt: now.addingTimeInterval(-60))
        let result = ContactIdentity.merge(merged, into: kept)
        #expect(result.id == 1 && result.name == "Ada Lovelace" && result.why == "engines")
        #expect(result.emails == ["ada@example.com", "countess@example.com"])
        #expect(result.handles == ["linkedin": "a", "github": "ada"])
        #expect(result.tags == ["math", "poetry"])
        #expect(result.organization == "AE" && result.timeZone == "Europe/London" && result.keepInTouch == .businessDays(30))
        #expect(result.notes == "met at the Royal Society\ndaughter of Byron")
        #expect(result.createdAt == now.addingTimeInterval(-60))
    }
}
