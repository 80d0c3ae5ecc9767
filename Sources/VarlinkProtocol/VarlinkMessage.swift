import Foundation

/// A method call, as a client sends it (https://varlink.org/Method-Call).
public struct VarlinkCall: Sendable, Equatable, Codable {
    /// Fully qualified: `io.relance.Control.AddContact`.
    public var method: String
    public var parameters: [String: JSONValue]?
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
