import RelanceCore
import Testing

/// `MailHeaders.addresses(in:)` finds what its pattern describes, in one pass (issue
/// "Hardened…": a Regex took minutes on a 1 MiB line without "@", found by fuzzing).
@Suite struct MailAddressScanTests {
    /// The pattern the scan replaced, as the reference.
    static func byRegex(_ text: String) -> [String] {
        text.matches(of: /[A-Za-z0-9._%+\-']+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}/).map { String($0.output).lowercased() }
    }

    @Test(arguments: [
        "Ada Lovelace <Ada@Example.COM>, grace@navy.mil",
        "\"O'Brien, Pat\" <pat.o'brien+tag@mail.example.co.uk>",
        "a@b.c, a@b.cd, a@.cd, @b.cd, a@b.c.de, a@b..cd, a@b.cd.e, x@y.z1a.bc-d",
        "a@b@c.de, a.b@c.de@f.gh, first@one.org;second@two.net",
        "mailto:someone@example.org?subject=hi",
        "no address here", "", "@", "a@", "@@@", "a@b.cd@e.fg@",
    ])
    func findsWhatThePatternFinds(_ text: String) {
        #expect(MailHeaders.addresses(in: text) == Self.byRegex(text))
    }

    @Test func agreesWithThePatternOnRandomText() {
        // A seeded generator over the characters that matter.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet = Array("ab.@-'+_%1 ,<>Zc")
        for _ in 0..<2_000 {
            var text = ""
            for _ in 0..<24 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                text.append(alphabet[Int(state >> 33) % alphabet.count])
            }
            #expect(MailHeaders.addresses(in: text) == Self.byRegex(text), "\(text)")
        }
    }

    @Test func aLineOfAMebibyteWithoutAtSignIsReadInOnePass() {
        let line = String(repeating: "x", count: 1 << 20)
        #expect(MailHeaders.addresses(in: line).isEmpty)
        #expect(MailHeaders.addresses(in: line + "@example.org") == [line + "@example.org"])
    }

    @Test func aDateHeaderThatIsNotASCIIIsNoDateRatherThanATrap() {
        // Found by fuzzing: DateFormatter trapped on "T" followed by a combining mark.
        #expect(MailHeaders.date(from: "T\u{33C}") == nil)
        #expect(MailHeaders.date(from: "Mon, 30 Nov 2026 09:30:00 +0100") != nil)
    }
}
