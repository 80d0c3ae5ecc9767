import Foundation
import VarlinkProtocol

/// The `io.relance.Control` Varlink interface: its name, definition, methods and errors.
/// Both the daemon and every client import this; nothing else defines the contract.
public enum ControlInterface {
    public static let name = "io.relance.Control"

    /// The parsed member list of `definition`.
    public static let description = VarlinkInterfaceDescription(parsing: definition)
}

/// One method of the interface: its name and the types of its parameters and reply.
public protocol ControlMethod {
    associatedtype Parameters: Codable & Sendable
    associatedtype Reply: Codable & Sendable
    /// The member name ("AddContact").
    static var name: String { get }
}

extension ControlMethod {
    /// The fully qualified method name ("io.relance.Control.AddContact").
    public static var qualifiedName: String { "\(ControlInterface.name).\(name)" }
}

/// For methods without parameters or reply fields.
public struct Empty: Codable, Sendable, Equatable {
    public init() {}
}
