/// A mail address with an optional display name: `Ada Lovelace <ada@example.com>`.
///
/// The address part is checked when the value is made (ASCII `local@domain`, no
/// spaces, no control characters), so a bad address fails at configuration time with a
/// clear error rather than at 03:00 inside the mail server. The display name may hold
/// anything: it is written quoted or RFC 2047-encoded, never raw, so it cannot add a
/// header line.
///
/// In RelanceDelivery (C-free) rather than with the mail channel, so the daemon checks a
/// team user's own address (`SetMyMail`) with the rule the channel sends with.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The bare address (`addr-spec` of RFC 5322 §3.4.1), e.g. `ada@example.com`; also
    /// the SMTP envelope address.
    public let address: String
    /// The person's name as shown by mail readers, if any.
    public let displayName: String?

    /// An address with an optional display name.
    /// - Throws: ``ChannelError`` with code ``ChannelError/Code/invalidAddress`` when
    ///   `address` is not a plain ASCII `local@domain`.
    public init(_ address: String, displayName: String? = nil) throws {
        try Self.validate(addrSpec: address, input: address)
        self.address = address
        let trimmed = displayName?.trimmingSpaces
        self.displayName = (trimmed?.isEmpty ?? true) ? nil : trimmed
    }

    /// Parses `ada@example.com`, `Ada Lovelace <ada@example.com>` or
    /// `"Lovelace, Ada" <ada@example.com>`, as written in configuration.
    /// - Throws: ``ChannelError`` (``ChannelError/Code/invalidAddress``) for anything
    ///   else, including control characters anywhere in `text`.
    public init(parsing text: String) throws {
        if text.unicodeScalars.contains(where: Self.isControl) {
            throw Self.invalid(text, "it contains a control character (line break, tab…)")
        }
        let text = text.trimmingSpaces
        guard text.hasSuffix(">"), let open = text.lastIndex(of: "<") else {
            try self.init(text)
            return
        }
        let address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        var name = text[..<open].trimmingSpaces
        if name.hasPrefix("\"") {
            guard name.count >= 2, name.hasSuffix("\"") else {
                throw Self.invalid(text, "the quoted name has no closing '\"'")
            }
            name = Self.unquote(String(name.dropFirst().dropLast()))
        }
        try Self.validate(addrSpec: address, input: text)
        try self.init(address, displayName: name)
    }

    /// `Name <address>` or the bare address, unencoded, for logs and messages. Not for
    /// mail headers: ``MailMessage`` encodes names itself.
    public var description: String {
        guard let displayName else { return address }
        return "\(displayName) <\(address)>"
    }

    // MARK: - Checks

    /// RFC 5322 `atext`: what a local part may hold between dots without quoting.
    public static func isAtext(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        default: return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(c)
        }
    }

    /// A control character, or a line or paragraph separator: never in a header.
    public static func isControl(_ c: Unicode.Scalar) -> Bool {
        c.properties.generalCategory == .control || c == "\u{2028}" || c == "\u{2029}"
    }

    /// Accepts dot-atom local parts and host-name or bracketed-literal domains. Quoted
    /// local parts (`"a b"@host`) are refused on purpose: nobody needs them for a
    /// reminder and they are where injection tricks live.
    private static func validate(addrSpec: String, input: String) throws {
        if addrSpec.unicodeScalars.contains(where: isControl) {
            throw invalid(input, "it contains a control character (line break, tab…)")
        }
        if !addrSpec.unicodeScalars.allSatisfy(\.isASCII) {
            throw invalid(input, "it has non-ASCII characters; internationalized addresses are not supported (write the domain in its xn-- form)")
        }
        let parts = addrSpec.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw invalid(input, parts.count < 2 ? "it has no '@'" : "it has more than one '@'")
        }
        let local = parts[0], domain = parts[1]
        guard !local.isEmpty, local.utf8.count <= 64,
              isDotAtom(local, allowed: isAtext) else {
            throw invalid(input, "the part before '@' must be 1–64 letters, digits or !#$%&'*+-/=?^_`{|}~, with single dots between them")
        }
        guard !domain.isEmpty, domain.utf8.count <= 253, isDomain(domain) else {
            throw invalid(input, "the part after '@' must be a host name (letters, digits, '-', dots) or an [address literal]")
        }
    }

    private static func isDotAtom(_ text: Substring, allowed: (Unicode.Scalar) -> Bool) -> Bool {
        text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { atom in
            !atom.isEmpty && atom.unicodeScalars.allSatisfy(allowed)
        }
    }

    private static func isDomain(_ domain: Substring) -> Bool {
        if domain.hasPrefix("[") {
            // An address literal: [192.0.2.1] or [IPv6:2001:db8::1].
            guard domain.hasSuffix("]"), domain.count > 2 else { return false }
            return domain.dropFirst().dropLast().unicodeScalars.allSatisfy {
                ("0"..."9").contains($0) || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "." || $0 == ":"
            }
        }
        return domain.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                }
        }
    }

    private static func unquote(_ text: String) -> String {
        var result = "", escaped = false
        for c in text {
            if escaped { result.append(c); escaped = false } else if c == "\\" { escaped = true } else { result.append(c) }
        }
        return result
    }

    private static func invalid(_ input: String, _ why: String) -> ChannelError {
        let shown = input.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
        return ChannelError(.invalidAddress, channel: "mail",
                            "'\(shown)' is not a usable mail address: \(why). Write name@example.com or Name <name@example.com>.")
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs (Foundation-free, so the rule is ours).
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
