/// "Did you mean …?": the candidates closest to what was typed.
public enum Spelling {
    /// Levenshtein distance (insertions, deletions, substitutions), case-insensitive.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Candidates within a small distance of `typed` (or of one of their words), closest
    /// first, at most `limit`.
    public static func suggestions(for typed: String, among candidates: [String], limit: Int = 3) -> [String] {
        let threshold = max(1, typed.count / 3)
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let words = [candidate] + candidate.split(separator: " ").map(String.init)
            let best = words.map { distance(typed, $0) }.min() ?? Int.max
            return best <= threshold ? (candidate, best) : nil
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }
}
