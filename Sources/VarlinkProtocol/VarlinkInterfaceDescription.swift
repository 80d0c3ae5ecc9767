import Foundation

/// The members an interface definition (IDL) declares, read from its text.
///
/// Not a full IDL parser: enough to list the interface name, methods, each method's
/// top-level input and reply fields, each type's fields, and errors, so the service can
/// answer `MethodNotFound` and reject unknown parameters from the definition itself, and
/// a test can check every declared method is implemented by a type with those fields.
public struct VarlinkInterfaceDescription: Sendable, Equatable {
    /// The qualified interface name ("io.relance.Control").
    public var name: String
    /// Method names in declaration order.
    public var methods: [String]
    /// Each method's top-level input field names, in declaration order.
    public var inputs: [String: [String]]
    /// Each method's top-level reply field names, in declaration order.
    public var outputs: [String: [String]]
    /// Each `type`'s field names, in declaration order.
    public var types: [String: [String]]
    /// Error names in declaration order.
    public var errors: [String]
    /// The definition as written.
    public var text: String

    /// Reads the members `text` declares; what it cannot read is left out, never thrown.
    public init(parsing text: String) {
        self.text = text
        var name = ""
        var methods: [String] = []
        var errors: [String] = []
        // Comments run to the end of a line (https://varlink.org/Interface-Definition).
        let code = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> Substring in line.firstIndex(of: "#").map { line[..<$0] } ?? line }
            .joined(separator: "\n")
        for rawLine in code.split(separator: "\n") {
            let words = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "(" }).map(String.init)
            guard words.count >= 2 else { continue }
            switch words[0] {
            case "interface": name = words[1]
            case "method": methods.append(words[1])
            case "error": errors.append(words[1])
            default: break
            }
        }
        self.name = name
        self.methods = methods
        self.errors = errors
        let methodGroups = Self.fieldGroups("method", in: code)
        self.inputs = methodGroups.mapValues { $0.first ?? [] }
        self.outputs = methodGroups.mapValues { $0.count > 1 ? $0[1] : [] }
        self.types = Self.fieldGroups("type", in: code).mapValues { $0.first ?? [] }
    }

    /// The field names at depth one of each `keyword Name( … )` and of the groups that
    /// follow it (`-> ( … )` for a method's reply): nested structs and enums
    /// (`format: (ics, vcf)`) are skipped, as only top-level names are checked.
    private static func fieldGroups(_ keyword: String, in code: String) -> [String: [[String]]] {
        var members: [String: [[String]]] = [:]
        var rest = Substring(code)
        while let found = rest.range(of: keyword) {
            let before = found.lowerBound == rest.startIndex ? nil : rest[rest.index(before: found.lowerBound)]
            rest = rest[found.upperBound...]
            guard before == nil || before!.isWhitespace, rest.first?.isWhitespace == true,
                  let open = rest.firstIndex(of: "(") else { continue }
            let name = rest[..<open].trimmingCharacters(in: .whitespacesAndNewlines)
            var groups: [[String]] = []
            var index = open
            while true {
                let (fields, end) = topLevelFields(rest, from: index)
                groups.append(fields)
                index = end
                // A method's reply: `) -> (`.
                let tail = rest[index...].drop(while: { $0.isWhitespace || $0 == ")" })
                guard tail.hasPrefix("->"),
                      let next = tail.dropFirst(2).firstIndex(where: { !$0.isWhitespace }),
                      tail[next] == "(" else { break }
                index = next
            }
            members[name] = groups
            rest = index < rest.endIndex ? rest[index...] : rest[rest.endIndex...]
        }
        return members
    }

    /// The names of the fields at depth one of the group opening at `open`, and where it closes.
    private static func topLevelFields(_ text: Substring, from open: Substring.Index) -> ([String], Substring.Index) {
        var depth = 0
        var field = ""
        var fields: [String] = []
        var index = open
        scan: while index < text.endIndex {
            let character = text[index]
            switch character {
            case "(":
                depth += 1
                if depth > 1 { field.append(character) }
            case ")":
                depth -= 1
                if depth == 0 { fields.append(field); break scan }
                field.append(character)
            case "," where depth == 1:
                fields.append(field)
                field = ""
            default:
                if depth >= 1 { field.append(character) }
            }
            index = text.index(after: index)
        }
        let names = fields.compactMap { field -> String? in
            guard let colon = field.firstIndex(of: ":") else { return nil }
            let name = field[..<colon].trimmingCharacters(in: .whitespacesAndNewlines)
            return name.isEmpty ? nil : name
        }
        return (names, index)
    }
}
