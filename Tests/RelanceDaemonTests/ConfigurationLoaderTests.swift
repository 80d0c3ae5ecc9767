import Foundation
import RelanceCore
import RelanceDaemon
import Testing

@Suite struct ConfigurationLoaderTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../etc/relance/config.toml").standardized.path

    @Test func theShippedExampleParses() throws {
        let configuration = try ConfigurationLoader.load(path: Self.example, required: true)
        #expect(configuration.timeZone.identifier == "Europe/Paris")
        #expect(configuration.followUp.delay == ISODuration(days: 7))
        #expect(configuration.databasePath?.hasSuffix("/.local/state/relance/relance.sqlite") == true)
    }

    @Test func anEmptyFileGivesTheDefaults() throws {
        #expect(try ConfigurationLoader.parse("", path: "c.toml") == Configuration())
    }

    @Test func aMissingOptionalFileGivesTheDefaults() throws {
        #expect(try ConfigurationLoader.load(path: "/nonexistent/relance.toml", required: false) == Configuration())
        #expect(throws: ConfigurationError.self) { try ConfigurationLoader.load(path: "/nonexistent/relance.toml", required: true) }
    }

    @Test(arguments: [
        ("[follow_up]\ndelay = \"P7\"\n", "c.toml:2: "),
        ("\n\n[user]\ntime_zone = \"Mars/Olympus\"\n", "c.toml:4: 'Mars/Olympus' is not an IANA time zone"),
        ("[store]\ndatabase = \"x\"\n[colour]\n", "c.toml:3: unknown section [colour]"),
        ("[follow_up]\n\ndelai = \"P7D\"\n", "c.toml:3: unknown key 'delai' in [follow_up]"),
        ("[follow_up]\ndelay = 7\n", "c.toml:2: 'delay' must be a string"),
        ("[user\ntime_zone = 1\n", "c.toml:1: "),
        ("store = 1\n", "c.toml:1: 'store' must be a section"),
    ])
    func errorsNameFileAndLine(_ text: String, _ expectedPrefix: String) {
        #expect {
            _ = try ConfigurationLoader.parse(text, path: "c.toml")
        } throws: { error in
            "\(error)".hasPrefix(expectedPrefix)
        }
    }
}
