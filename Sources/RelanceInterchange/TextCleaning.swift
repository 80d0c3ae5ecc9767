/// Turns exported text into values `ContactDraft.validated()` accepts.
///
/// Exports carry line breaks inside names and titles (a folded ORG, a CSV cell typed with
/// Alt-Enter) and sometimes stray control bytes; those would be refused at validation
/// (they could end up in mail headers), so single-line fields are collapsed instead.
enum TextCleaning {
    /// `text` on one line: runs of whitespace and control characters become one space,
    /// and the ends are trimmed.
    static func singleLine(_ text: String) -> String {
        if isCleanSingleLine(text) { return text }
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if isControl(scalar) || scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
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
            let space = scalar.properties.isWhitespace
            if space && (previousSpace || scalar != " ") { return false }
            previousSpace = space
        }
        return !previousSpace || text.isEmpty
    }

    /// Unicode general category Cc: what `Validation.singleLine` refuses.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}

extension String {
    /// The string without leading and trailing whitespace and line breaks.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace && !TextCleaning.isControl($0) }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace && !TextCleaning.isControl($0) }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return self }
        return String(scalars[first...last])
    }
}
