/// Turns exported text into values `ContactDraft.validated()` accepts.
///
/// Exports carry line breaks inside names and titles (a folded ORG, a CSV cell typed with
/// Alt-Enter) and sometimes stray control bytes; those would be refused at validation
/// (they could end up in mail headers), so single-line fields are collapsed instead.
enum TextCleaning {
    /// `text` on one line: runs of whitespace (line breaks, tabs) become one space, other
    /// control characters (NUL, ESC) are removed, and the ends are trimmed.
    static func singleLine(_ text: String) -> String {
        if isCleanSingleLine(text) { return text }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isWhitespace(scalar) {
                pendingSpace = !out.isEmpty
                continue
            }
            if isControl(scalar) { continue }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(scalar)
        }
        return String(out)
    }

    /// `text` with its line breaks kept as LF, tabs kept, other control characters
    /// (NUL, ESC, …) removed and the ends trimmed: for notes, which may span lines.
    static func multiLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\r": out.append("\n")
            case "\n": if !previousCR { out.append("\n") }
            case "\t": out.append(scalar)
            default: if !isControl(scalar) { out.append(scalar) }
            }
        }
        return String(out).trimmingWhitespace()
    }

    /// The fast path for the common case: nothing to change.
    private static func isCleanSingleLine(_ text: String) -> Bool {
        var previousSpace = true // a leading space is not clean
        for scalar in text.unicodeScalars {
            if isControl(scalar) { return false }
            let space = isWhitespace(scalar)
            if space && (previousSpace || scalar != " ") { return false }
            previousSpace = space
        }
        return !previousSpace || text.isEmpty
    }

    /// Unicode general category Cc: what `Validation.singleLine` refuses.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Unicode White_Space, answered without the property tables for ASCII: the tables
    /// were the largest cost of parsing a 10 000-card export.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.value < 0x80 { return scalar == " " || (0x09...0x0D).contains(scalar.value) }
        return scalar.properties.isWhitespace
    }
}

extension String {
    /// The string without leading and trailing whitespace and line breaks.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !TextCleaning.isWhitespace($0) && !TextCleaning.isControl($0) }),
              let last = scalars.lastIndex(where: { !TextCleaning.isWhitespace($0) && !TextCleaning.isControl($0) }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }

    /// The trimmed string, or nil when nothing is left.
    var nonEmptyTrimmed: String? {
        let trimmed = trimmingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}

extension Optional where Wrapped == String {
    /// nil for nil or an empty string.
    var nonEmpty: String? {
        guard let self, !self.isEmpty else { return nil }
        return self
    }
}

