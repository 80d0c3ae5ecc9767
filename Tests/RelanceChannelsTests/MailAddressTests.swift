import RelanceChannels
import Testing

@Suite("MailAddress: parsing and validation")
struct MailAddressTests {
    @Test func parsesBareAndNamedForms() throws {
        #expect(try MailAddress(parsing: "ada@example.com") == MailAddress("ada@example.com"))
        let named = try MailAddress(parsing: "  Ada Lovelace <ada@example.com> ")
        #expect(named.address == "ada@example.com")
        #expect(named.displayName == "Ada Lovelace")
        let quoted = try MailAddress(parsing: "\"Lovelace, Ada\" <ada@example.com>")
        #expect(quoted.displayName == "Lovelace, Ada")
        #expect(try MailAddress(parsing: "<ada@example.com>").displayName == nil)
        #expect(try MailAddress(parsing: "relance@localhost").address == "relance@localhost")
    }

    @Test(arguments: [
        "ada", "ada@", "@example.com", "ada@@example.com", "ada@exa mple.com", "a da@example.com",
        "ada@example.com\r\nBcc: x@y", "Ada\nBcc: x@y <ada@example.com>", "ada@exämple.com",
        "ada..l@example.com", ".ada@example.com", "ada@-example.com", "Ada <ada@example.com", "ada@example.com>",
        "\"Ada <ada@example.com>",
    ])
    func refusesWhatIsNotAPlainAddress(_ text: String) {
        #expect(throws: ChannelError.self) { try MailAddress(parsing: text) }
    }

    @Test func errorSaysWhatIsWrongAndShowsControlCharacters() {
        do {
            _ = try MailAddress(parsing: "ada@example.com\nBcc: x@y")
            Issue.record("accepted")
        } catch let error as ChannelError {
            #expect(error.code == .invalidAddress)
            #expect(error.message.contains("\\u{a}"))
            #expect(error.message.contains("control character"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
