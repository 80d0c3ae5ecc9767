import Foundation
import RelanceCore
import RelanceDaemon
import Testing

@Suite struct IMAPConfigurationTests {
    static let caFile = URL(fileURLWithPath: #filePath).path  // any readable file stands for a PEM here

    @Test func anImapsURLGivesImplicitTLSOnPort993AndTheDefaults() throws {
        let text = "[mail_watch]\nimap_url = \"imaps://sam@imap.example.com\"\nimap_password_file = \"/run/secret\"\n"
        let imap = try #require(try ConfigurationLoader.parse(text, path: "c.toml").imap)
        #expect(imap.endpoint == IMAPEndpoint(host: "imap.example.com", port: 993, security: .implicitTLS, username: "sam"))
        #expect(imap.passwordFile == "/run/secret")
        #expect(imap.inbox == "INBOX")
        #expect(imap.sent == nil)
        #expect(imap.recheck == IMAPTiming.defaultRecheck)
    }

    @Test func anImapURLMeansSTARTTLSAndEveryKeyIsRead() throws {
        let text = """
            [mail_watch]
            imap_url = "imap://sam%40example.com@[::1]:1143"
            imap_password_file = "/run/secret"
            imap_inbox = "Boîte de réception"
            imap_sent = "Sent Items"
            imap_ca_file = "\(Self.caFile)"
            imap_recheck_seconds = 600
            """
        let imap = try #require(try ConfigurationLoader.parse(text, path: "c.toml").imap)
        #expect(imap.endpoint == IMAPEndpoint(host: "::1", port: 1143, security: .startTLS, username: "sam@example.com",
                                              caFile: Self.caFile))
        #expect(imap.inbox == "Boîte de réception")
        #expect(imap.sent == "Sent Items")
        #expect(imap.recheck == .seconds(600))
    }

    @Test func aUserNameThatIsAnAddressMayBeWrittenAsIs() throws {
        let text = "[mail_watch]\nimap_url = \"imaps://sam@example.com@imap.example.com:993\"\nimap_password_file = \"/p\"\n"
        #expect(try ConfigurationLoader.parse(text, path: "c.toml").imap?.endpoint.username == "sam@example.com")
    }

    @Test(arguments: [
        ("imap_url = \"http://sam@h\"\nimap_password_file = \"/p\"", "c.toml:2: 'http://sam@h': must start with imaps://"),
        ("imap_url = \"imaps://h\"\nimap_password_file = \"/p\"", "c.toml:2: 'imaps://h': needs the user name"),
        ("imap_url = \"imaps://sam:secret@h\"\nimap_password_file = \"/p\"", "c.toml:2: 'imaps://sam:secret@h': must not hold a password"),
        ("imap_url = \"imaps://sam@h:99999\"\nimap_password_file = \"/p\"", "c.toml:2: 'imaps://sam@h:99999': '99999' is not a port"),
        ("imap_url = \"imaps://sam@h/INBOX\"\nimap_password_file = \"/p\"", "c.toml:2: 'imaps://sam@h/INBOX': name the folders with imap_inbox"),
        ("imap_url = \"imaps://sam@\"\nimap_password_file = \"/p\"", "c.toml:2: 'imaps://sam@': needs a host"),
        ("imap_url = \"imaps://sam@h\"", "c.toml:2: imap_url needs imap_password_file"),
        ("imap_password_file = \"/p\"", "c.toml:2: 'imap_password_file' needs imap_url"),
        ("imap_url = \"imaps://sam@h\"\nimap_password_file = \"/p\"\nimap_ca_file = \"/nonexistent/ca.pem\"",
         "c.toml:4: cannot read /nonexistent/ca.pem"),
        ("imap_url = \"imaps://sam@h\"\nimap_password_file = \"/p\"\nimap_sent = \"INBOX\"", "c.toml:4: imap_sent names the same folder"),
        ("imap_url = \"imaps://sam@h\"\nimap_password_file = \"/p\"\nimap_inbox = \"\"", "c.toml:4: 'imap_inbox' must be a folder name"),
        ("imap_url = \"imaps://sam@h\"\nimap_password_file = \"/p\"\nimap_recheck_seconds = 5", "c.toml:4: 'imap_recheck_seconds' must be"),
        ("imap_url = \"imaps://sam@h\"\nimap_password_file = \"/p\"\nimap_skip_verify = true", "c.toml:4: unknown key 'imap_skip_verify'"),
    ])
    func badIMAPSettingsNameTheLineAndWhy(_ body: String, _ expectedPrefix: String) {
        #expect {
            _ = try ConfigurationLoader.parse("[mail_watch]\n" + body + "\n", path: "c.toml")
        } throws: { error in
            "\(error)".hasPrefix(expectedPrefix)
        }
    }
}

@Suite struct IMAPExampleConfigurationTests {
    @Test func theExampleIMAPKeysParseOnceUncommented() throws {
        // Given the shipped example with its imap_* lines uncommented (a readable CA file)
        let text = try String(contentsOfFile: ConfigurationLoaderTests.example, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map { line in
                guard line.hasPrefix("# imap_") else { return String(line) }
                let uncommented = String(line.dropFirst(2))
                return uncommented.hasPrefix("imap_ca_file") ? "imap_ca_file = \"\(IMAPConfigurationTests.caFile)\"" : uncommented
            }.joined(separator: "\n")
        // When it is parsed
        let imap = try #require(try ConfigurationLoader.parse(text, path: "config.toml").imap)
        // Then every documented key is read
        #expect(imap.endpoint.host == "imap.example.com")
        #expect(imap.endpoint.username == "you@example.com")
        #expect(imap.endpoint.security == .implicitTLS)
        #expect(imap.sent == "Sent")
        #expect(imap.recheck == .seconds(300))
    }
}
