import Foundation

/// A Varlink error reply: a qualified name and parameters that say what was wrong.
public struct VarlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var parameters: [String: JSONValue]

    public init(name: String, parameters: [String: JSONValue] = [:]) {
        self.name = name
        self.parameters = parameters
    }

    public var description: String {
        let details = parameters.sorted { $0.key < $1.key }.map { key, value in
            if case .string(let text) = value { return "\(key): \(text)" }
            return "\(key): \((try? String(decoding: JSONCoding.encoder.encode(value), as: UTF8.self)) ?? "?")"
        }
        return details.isEmpty ? name : "\(name) (\(details.joined(separator: "; ")))"
    }

    // The standard errors of org.varlink.service (https://varlink.org/Service).

    public static func interfaceNotFound(_ interface: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InterfaceNotFound", parameters: ["interface": .string(interface)])
    }

    public static func methodNotFound(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotFound", parameters: ["method": .string(method)])
    }

    public static func methodNotImplemented(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.MethodNotImplemented", parameters: ["method": .string(method)])
    }

    public static func invalidParameter(_ parameter: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.InvalidParameter", parameters: ["parameter": .string(parameter)])
    }

    /// The method streams and must be called with `more: true` (as systemd names it).
    public static func expectedMore(_ method: String) -> VarlinkError {
        VarlinkError(name: "org.varlink.service.ExpectedMore", parameters: ["method": .string(method)])
    }
}
