import Foundation
import NIOConcurrencyHelpers
import NIOCore
import VarlinkProtocol

/// Answers Varlink frames for one service, whatever carries the bytes: `VarlinkServer`
/// runs it on a Unix socket, `VarlinkMemoryConnection` in memory for tests.
///
/// It decodes the call, answers `org.varlink.service` itself, checks the method against
/// the interface definitions, hands the call to the service, and turns what it throws
/// into error replies.
struct VarlinkResponder: Sendable {
    let service: any VarlinkService
    let errors: VarlinkServer.Errors
    /// Reads calls with the service's parameter types (made once: a decoder per message
    /// cost more than the JSON).
    private let decoder: JSONDecoder

    init(service: any VarlinkService, errors: VarlinkServer.Errors) {
        self.service = service
        self.errors = errors
        self.decoder = VarlinkFraming.callDecoder(service.parameterTypes)
    }

    /// Answers one frame, writing each encoded reply (terminator included) with `write`;
    /// false when the connection must close. `current` holds the writer of the call
    /// being answered, so the connection can tell whether it is streaming.
    func answer(_ frame: VarlinkFrame, write: @escaping @Sendable (Data) async throws -> Void,
                current: NIOLockedValueBox<VarlinkReplyWriter?>) async throws -> Bool {
        switch frame {
        case .oversized:
            try await write(VarlinkFraming.encode(VarlinkReply(errors.messageTooLarge(VarlinkFraming.maximumMessageSize))))
            return false
        case .message(let bytes):
            guard let call = try await decode(bytes, write: write) else { return true }
            return try await answer(call, write: write, current: current)
        }
    }

    /// The call in `bytes`, or nil once the InvalidMessage reply for it is written.
    func decode(_ bytes: ByteBuffer, write: @Sendable (Data) async throws -> Void) async throws -> VarlinkCall? {
        do {
            return try VarlinkFraming.decodeCall(bytes.readableBytesView, typedWith: decoder)
        } catch .malformed(let reason) {
            try await write(VarlinkFraming.encode(VarlinkReply(errors.invalidMessage(reason))))
            return nil
        }
    }

    /// Answers a decoded call (see `answer(_:write:current:)`).
    func answer(_ call: VarlinkCall, write: @escaping @Sendable (Data) async throws -> Void,
                current: NIOLockedValueBox<VarlinkReplyWriter?>) async throws -> Bool {
        let writer = VarlinkReplyWriter(oneway: call.oneway == true, write: write)
        current.withLockedValue { $0 = writer }
        defer { current.withLockedValue { $0 = nil } }
        do {
            try await dispatch(call, replies: writer)
        } catch let error as VarlinkError {
            try await writer.send(VarlinkReply(error))
        } catch let error as DecodingError {
            let reply = VarlinkReply(errors.invalidParameter(VarlinkFraming.parameterName(error), VarlinkFraming.describe(error)))
            try await writer.send(reply)
        } catch is CancellationError {
            return false
        }
        return true
    }

    private func dispatch(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        if call.interface == "org.varlink.service" {
            switch call.memberName {
            case "GetInfo":
                let info = service.info
                try await replies.send(VarlinkReply(parameters: [
                    "vendor": .string(info.vendor), "product": .string(info.product),
                    "version": .string(info.version), "url": .string(info.url),
                    "interfaces": .array((["org.varlink.service"] + service.interfaces.map(\.name)).map { .string($0) }),
                ]))
            case "GetInterfaceDescription":
                guard case .string(let name)? = call.parameters?["interface"] else {
                    throw VarlinkError.invalidParameter("interface")
                }
                let text = name == "org.varlink.service" ? Self.serviceDefinition
                    : service.interfaces.first { $0.name == name }?.text
                guard let text else { throw VarlinkError.interfaceNotFound(name) }
                try await replies.send(VarlinkReply(parameters: ["description": .string(text)]))
            default:
                throw VarlinkError.methodNotFound(call.method)
            }
            return
        }
        guard let interface = service.interfaces.first(where: { $0.name == call.interface }) else {
            throw VarlinkError.interfaceNotFound(call.interface)
        }
        guard interface.methods.contains(call.memberName) else {
            throw VarlinkError.methodNotFound(call.method)
        }
        try await service.handle(call, replies: replies)
    }

    /// The `org.varlink.service` interface definition (https://varlink.org/Service).
    static let serviceDefinition = """
        # The Varlink Service Interface is provided by every varlink service. It
        # describes the service and the interfaces it implements.
        interface org.varlink.service

        # Get a list of all the interfaces a service provides and information
        # about the implementation.
        method GetInfo() -> (
          vendor: string,
          product: string,
          version: string,
          url: string,
          interfaces: []string
        )

        # Get the description of an interface that is implemented by this service.
        method GetInterfaceDescription(interface: string) -> (description: string)

        # The requested interface was not found.
        error InterfaceNotFound (interface: string)

        # The requested method was not found
        error MethodNotFound (method: string)

        # The interface defines the requested method, but the service does not
        # implement it.
        error MethodNotImplemented (method: string)

        # One of the passed parameters is invalid.
        error InvalidParameter (parameter: string)

        # Client is denied access
        error PermissionDenied ()

        # Method is expected to be called with 'more' set to true, but wasn't
        error ExpectedMore ()

        """
}
