import Foundation

/// The members an interface definition (IDL) declares, read from its text.
///
/// Not a full IDL parser: enough to list the interface name, methods, each method's
/// top-level input fields, and errors, so the service can answer `MethodNotFound` and
/// reject unknown parameters from the definition itself, and a test can check every
/// declared method is implemented.
public struct VarlinkInterfaceDescription: Sendable, Equatable {
    /// The qualified interface name ("io.relance.Control").
    public var name: String
    /// Method names in declaration order.
    public var methods: [String]
    /// Each method's top-level input field names, in declaration order.
    public var inputs: [String: [String]]
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
        self.inputs = Self.methodInputs(code)
    }

    /// The field names at depth one of each `method Name( … )`: nested structs and enums
    /// (`format: (ics, vcf)`) are skipped, as only top-level names are checked.
    private static func methodInputs(_ code: String) -> [String: [String]] {
        var inputs: [String: [String]] = [:]
        var rest = Substring(code)
        while let keyword = rest.range(of: "method") {
            let before = keyword.lowerBound == rest.startIndex ? nil : rest[rest.index(before: keyword.lowerBound)]
            rest = rest[keyword.upperBound...]
            guard before == nil || before!.isWhitespace, rest.first?.isWhitespace == true,
                  let open = rest.firstIndex(of: "(") else { continue }
            let method = rest[..<open].trimmingCharacters(in: .whitespacesAndNewlines)
            var depth = 0
            var field = ""
            var fields: [String] = []
            var index = open
            scan: while index < rest.endIndex {
                let character = rest[index]
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
                index = rest.index(after: index)
            }
            inputs[method] = fields.compactMap { field in
                guard let colon = field.firstIndex(of: ":") else { return nil }
                let name = field[..<colon].trimmingCharacters(in: .whitespacesAndNewlines)
                return name.isEmpty ? nil : name
            }
            rest = index < rest.endIndex ? rest[index...] : rest[rest.endIndex...]
        }
        return inputs
    }
}
