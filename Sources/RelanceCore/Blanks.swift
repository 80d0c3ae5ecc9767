import Foundation

/// Foundation's trimming of blanks, without its cost when there is nothing to trim (the
/// usual case): `trimmingCharacters(in:)` goes through NSString and builds the set, ≈ 1.5 %
/// of a `Remind` in a profile (issue #15). The predicates are the sets' definitions.
public enum Blanks {
    /// A member of `CharacterSet.whitespaces`: Unicode's Zs, the tab, and (Foundation's
    /// addition) U+200B ZERO WIDTH SPACE.
    public static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// A member of `CharacterSet.whitespacesAndNewlines`: Unicode's Z*, U+0009–U+000D,
    /// U+0085 and U+200B.
    public static func isWhitespaceOrNewline(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x85, 0x200B: return true
        default:
            switch scalar.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }

    /// `text.trimmingCharacters(in: .whitespaces)`.
    public static func trimmingWhitespace(_ text: String) -> String {
        endsAreBlank(text, isWhitespace) ? text.trimmingCharacters(in: .whitespaces) : text
    }

    /// `text.trimmingCharacters(in: .whitespacesAndNewlines)`.
    public static func trimmingWhitespaceAndNewlines(_ text: String) -> String {
        endsAreBlank(text, isWhitespaceOrNewline) ? text.trimmingCharacters(in: .whitespacesAndNewlines) : text
    }

    /// True when the first or the last scalar is blank (the set is made only then).
    private static func endsAreBlank(_ text: String, _ isBlank: (Unicode.Scalar) -> Bool) -> Bool {
        let scalars = text.unicodeScalars
        guard let first = scalars.first, let last = scalars.last else { return false }
        return isBlank(first) || isBlank(last)
    }
}
