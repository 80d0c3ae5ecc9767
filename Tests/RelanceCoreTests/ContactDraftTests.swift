import RelanceCore
import Testing

@Suite struct ContactDraftTests {
    @Test func trimsAndAcceptsAWellFormedContact() throws {
        let draft = try ContactDraft(name: "  Ada Lovelace ", emails: ["ada@example.com"], timeZone: "Europe/London").validated()
        #expect(draft.name == "Ada Lovelace")
    }

    @Test(arguments: [
        (ContactDraft(name: ""), "name"),
        (ContactDraft(name: "Ada\r\nBcc: x@y"), "name"),
        (ContactDraft(name: "Ada", emails: ["not-an-address"]), "emails[0]"),
        (ContactDraft(name: "Ada", emails: ["a@b.c", "x@y.z\nBcc: q@r.s"]), "emails[1]"),
        (ContactDraft(name: "Ada", timeZone: "Mars/Olympus"), "timeZone"),
        (ContactDraft(name: "Ada", tags: ["ok", "bad\u{1B}[31m"]), "tags[1]"),
    ])
    func namesTheFieldAtFault(_ draft: ContactDraft, _ field: String) {
        #expect { try draft.validated() } throws: { ($0 as? ValidationError)?.field == field }
    }
}
