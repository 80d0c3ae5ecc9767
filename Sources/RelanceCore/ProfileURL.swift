import Foundation

/// Profile addresses reduced to one spelling, so the same person exported by LinkedIn,
/// Apple Contacts and a hand-made CSV is recognised as the same person.
///
/// `http://www.LinkedIn.com/in/ada-lovelace/?trk=x` and `https://linkedin.com/in/ada-lovelace`
/// are one profile: the scheme, `www.`, the query, the fragment and a trailing slash carry
/// no identity. Paths are lowercased too: LinkedIn and Mastodon handles are case-insensitive.
public enum ProfileURL {
    /// The canonical `https://host/path` of `text`, or nil when it is not a web address.
    public static func normalized(_ text: String) -> String? {
        var rest = Substring(text.trimmingCharacters(in: Self.blank).lowercased())
        if let scheme = ["https://", "http://"].first(where: { rest.hasPrefix($0) }) {
            rest = rest.dropFirst(scheme.count)
        } else if !(rest.hasPrefix("www.") || rest.hasPrefix("linkedin.com/") || rest.contains(".linkedin.com/")) {
            return nil
        }
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var host = rest[..<slash]
        var path = rest[slash...]
        if host.hasPrefix("www.") { host = host.dropFirst(4) }
        // Country and mobile subdomains (fr.linkedin.com, m.linkedin.com) show the same profile.
        if host.hasSuffix(".linkedin.com") { host = "linkedin.com" }
        guard !host.isEmpty, host.contains(".") else { return nil }
        // Slugs with accents arrive both raw and percent-encoded.
        if path.contains("%"), let decoded = String(path).removingPercentEncoding { path = Substring(decoded) }
        return "https://\(host)\(path)"
    }

    /// The canonical form of a LinkedIn handle, which may be a URL or a bare slug ("ada-lovelace").
    public static func linkedInKey(_ handle: String) -> String? {
        let trimmed = handle.trimmingCharacters(in: Self.blank)
        guard !trimmed.isEmpty else { return nil }
        if !trimmed.contains("/") && !trimmed.contains(" ") && !trimmed.contains(".") {
            return "https://linkedin.com/in/\(trimmed.lowercased())"
        }
        return normalized(trimmed)
    }

    /// Whether `text` is a LinkedIn profile (not a company page or a post).
    public static func isLinkedInProfile(_ text: String) -> Bool {
        guard let url = normalized(text) else { return false }
        return url.hasPrefix("https://linkedin.com/in/") || url.hasPrefix("https://linkedin.com/pub/")
    }

    /// Whitespace and control characters: what surrounds a pasted address.
    private static let blank = CharacterSet.whitespacesAndNewlines.union(.controlCharacters)
}
