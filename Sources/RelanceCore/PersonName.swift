import Foundation

/// How to address a person by name.
public enum PersonName {
    /// Honorifics and titles that come before a name in English and French, lowercased and
    /// without the final period: a draft never says "Hello Dr.,".
    static let honorifics: Set<String> = [
        "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "lord", "lady",
        "rev", "fr", "m", "mme", "mlle", "me", "pr", "docteur", "monsieur", "madame", "mademoiselle",
    ]

    /// The name to greet someone by: `givenName` when known, else the first word of
    /// `fullName` that is not an honorific ("Dr. Grace Hopper" → "Grace"), else the full name.
    public static func greetingName(fullName: String, givenName: String?) -> String {
        if let given = givenName?.trimmingCharacters(in: .whitespaces), !given.isEmpty,
           !isHonorific(given) {
            return given
        }
        let words = fullName.split(whereSeparator: \.isWhitespace).map(String.init)
        return words.first { !isHonorific($0) } ?? fullName.trimmingCharacters(in: .whitespaces)
    }

    /// Whether `word` is an honorific ("Dr.", "mme", "Prof").
    public static func isHonorific(_ word: String) -> Bool {
        var key = word.lowercased()
        while key.hasSuffix(".") { key.removeLast() }
        return honorifics.contains(key)
    }
}
