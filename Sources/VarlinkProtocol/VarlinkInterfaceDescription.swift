import Foundation

/// The members an interface definition (IDL) declares, read from its text.
///
/// Not a full IDL parser: enough to list the interface name, methods and errors, so the
/// service can answer `MethodNotFound` from the definition itself and a test can check
/// every declared method is implemented.
public struct VarlinkInterfaceDescription: Sendable, Equatable {
    public var name: String
    public var methods: [String]
    public var errors: [String]
    public var text: String

    public init(parsing text: String) {
        self.text = text
        var name = ""
        var methods: [String] = []
        var errors: [String] = []
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "(" }).map(String.init)
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
    }
}
