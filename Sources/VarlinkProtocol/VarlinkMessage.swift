import Foundation

/// A method call, as a client sends it (https://varlink.org/Method-Call).
public struct VarlinkCall: Sendable, Equatable, Codable {
    /// Fully qualified: `io.relance.Control.AddContact`.
    public var method: String
    /// The parameters as a JSON tree; nil when absent, or when they were decoded
    /// straight into the method's type (`typedParameters`).
    public var parameters: [String: JSONValue]?
    /// The parameters decoded straight into the method's Codable type, in the same pass
    /// as the frame, when the decoder was given `VarlinkParameterTypes` (issue #15: the
    /// tree, re-encoded and decoded again, was a third of a call's cost). Never sent.
    public var typedParameters: (any Sendable)?
    /// The client wants no reply.
    public var oneway: Bool?
    /// The client accepts several replies (`continues: true` on all but the last).
    public var more: Bool?
    /// The connection switches to another protocol after the reply (unsupported).
    public var upgrade: Bool?

    public init(method: String, parameters: [String: JSONValue]? = nil, oneway: Bool? = nil, more: Bool? = nil) {
        self.method = method
        self.parameters = parameters
        self.oneway = oneway
        self.more = more
    }

    enum CodingKeys: String, CodingKey { case method, parameters, oneway, more, upgrade }

    /// Reads a call. With `VarlinkParameterTypes` in the decoder's `userInfo`, the
    /// parameters of a method it knows are decoded straight into that method's type,
    /// provided every name given is declared; anything else throws, and the caller reads
    /// the frame again without it (the tree, then the method's own checks and messages).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(String.self, forKey: .method)
        oneway = try container.decodeIfPresent(Bool.self, forKey: .oneway)
        more = try container.decodeIfPresent(Bool.self, forKey: .more)
        upgrade = try container.decodeIfPresent(Bool.self, forKey: .upgrade)
        if let types = decoder.userInfo[VarlinkParameterTypes.userInfoKey] as? VarlinkParameterTypes,
           let entry = types.lookup(method) {
            guard container.contains(.parameters), try !container.decodeNil(forKey: .parameters) else { return }
            let given = try container.nestedContainer(keyedBy: VarlinkParameterTypes.AnyKey.self, forKey: .parameters).allKeys
            guard given.allSatisfy({ entry.declared.contains($0.stringValue) }) else {
                throw VarlinkParameterTypes.NotTyped()
            }
            func decode<T: Decodable & Sendable>(_ type: T.Type) throws -> any Sendable {
                try container.decode(T.self, forKey: .parameters)
            }
            typedParameters = try decode(entry.type)
        } else {
            parameters = try container.decodeIfPresent([String: JSONValue].self, forKey: .parameters)
        }
    }

    /// Equal when the wire fields are (typed parameters are a decoding detail).
    public static func == (lhs: VarlinkCall, rhs: VarlinkCall) -> Bool {
        lhs.method == rhs.method && lhs.parameters == rhs.parameters && lhs.oneway == rhs.oneway
            && lhs.more == rhs.more && lhs.upgrade == rhs.upgrade
    }

    /// `io.relance.Control` for `io.relance.Control.AddContact`.
    public var interface: String {
        guard let dot = method.lastIndex(of: ".") else { return "" }
        return String(method[..<dot])
    }

    /// `AddContact` for `io.relance.Control.AddContact`.
    public var memberName: String {
        guard let dot = method.lastIndex(of: ".") else { return method }
        return String(method[method.index(after: dot)...])
    }
}

/// The Codable parameter type of each method a service decodes in one pass, and the
/// parameter names it declares; put in a decoder's `userInfo` (see `VarlinkCall.init(from:)`).
public struct VarlinkParameterTypes: Sendable {
    /// One method's parameter type and declared parameter names.
    public struct Entry: Sendable {
        public var type: any (Decodable & Sendable).Type
        public var declared: Set<String>
        /// Makes the parameters from string fields, for a type that can
        /// (`StringFieldsDecodable`): such calls are read without `JSONDecoder`
        /// (`FlatCallReader`).
        public var fromStrings: (@Sendable ([String: String]) -> (any Sendable)?)?
        public init(type: any (Decodable & Sendable).Type, declared: Set<String>) {
            self.type = type
            self.declared = declared
            if let plain = type as? any StringFieldsDecodable.Type {
                fromStrings = { plain.init(stringFields: $0) }
            }
        }
    }

    /// By fully qualified method name.
    public var entries: [String: Entry]

    public init(entries: [String: Entry]) { self.entries = entries }

    func lookup(_ method: String) -> Entry? { entries[method] }

    /// Where a decoder carries them.
    public static let userInfoKey = CodingUserInfoKey(rawValue: "io.relance.varlink.parameterTypes")!

    /// Thrown when a call cannot be read in one pass (an undeclared name): read it again
    /// the slow way, which says what is wrong.
    struct NotTyped: Error {}

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A reply: parameters, or an error, and whether more replies follow.
public struct VarlinkReply: Sendable, Equatable, Codable {
    public var parameters: [String: JSONValue]?
    public var continues: Bool?
    public var error: String?

    public init(parameters: [String: JSONValue]? = nil, continues: Bool? = nil, error: String? = nil) {
        self.parameters = parameters
        self.continues = continues
        self.error = error
    }

    /// The reply carrying `error`.
    public init(_ error: VarlinkError) {
        self.init(parameters: error.parameters, error: error.name)
    }
}
