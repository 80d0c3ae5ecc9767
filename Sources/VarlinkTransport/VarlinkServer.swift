#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import VarlinkProtocol

/// Serves a `VarlinkService` on a Unix stream socket.
///
/// Each connection reads NUL-framed calls in order and answers them in order. A frame
/// that is not a call gets an error reply and the connection stays usable; an oversized
/// frame gets one error reply and the connection is closed. Only peers with an allowed
/// uid (checked with `SO_PEERCRED`) are served.
public final class VarlinkServer: Sendable {
    /// Where to listen.
    public enum Endpoint: Sendable, Equatable {
        /// Bind this path (replacing a stale socket file) and chmod it to `mode`.
        case path(String, mode: mode_t)
        /// Adopt a listening socket inherited from systemd (`LISTEN_FDS`).
        case inherited(descriptor: CInt)
    }

    /// The errors the transport itself sends.
    public struct Errors: Sendable {
        /// For a frame that is not a call (`reason`).
        public var invalidMessage: @Sendable (String) -> VarlinkError
        /// For a frame over the size limit (`limit` bytes).
        public var messageTooLarge: @Sendable (Int) -> VarlinkError
        /// For a parameter problem found while decoding.
        public var invalidParameter: @Sendable (_ parameter: String, _ reason: String) -> VarlinkError
        public init(invalidMessage: @escaping @Sendable (String) -> VarlinkError,
                    messageTooLarge: @escaping @Sendable (Int) -> VarlinkError,
                    invalidParameter: @escaping @Sendable (String, String) -> VarlinkError) {
            self.invalidMessage = invalidMessage
            self.messageTooLarge = messageTooLarge
            self.invalidParameter = invalidParameter
        }
    }

    private let service: any VarlinkService
    private let errors: Errors
    private let allowedUIDs: Set<uid_t>?
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup

    /// - Parameter allowedUIDs: peers served; by default this process's uid and root; nil
    ///   serves any peer that can open the socket (its mode and group decide).
    public init(service: any VarlinkService, errors: Errors, allowedUIDs: Set<uid_t>? = [getuid(), 0],
                group: MultiThreadedEventLoopGroup = .singleton, logger: Logger) {
        self.service = service
        self.errors = errors
        self.allowedUIDs = allowedUIDs
        self.group = group
        self.logger = logger
    }

    /// Listens on `endpoint`, calls `onListening` once ready, and serves until cancelled.
    public func run(on endpoint: Endpoint, onListening: @Sendable () -> Void = {}) async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
        let allowed = allowedUIDs
        let logger = logger
        let initializer: @Sendable (Channel) -> EventLoopFuture<NIOAsyncChannel<VarlinkFrame, ByteBuffer>?> = { channel in
            Self.checkPeer(channel, allowed: allowed, logger: logger).flatMapThrowing { permitted in
                guard permitted else {
                    channel.close(promise: nil)
                    return nil
                }
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VarlinkFrameDecoder()))
                return try NIOAsyncChannel<VarlinkFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        let server: NIOAsyncChannel<NIOAsyncChannel<VarlinkFrame, ByteBuffer>?, Never>
        switch endpoint {
        case .path(let path, let mode):
            server = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true,
                                              childChannelInitializer: initializer)
            guard chmod(path, mode) == 0 else {
                throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EPERM)
            }
        case .inherited(let descriptor):
            server = try await bootstrap.bind(descriptor, childChannelInitializer: initializer)
        }
        onListening()
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await connection in connections {
                    guard let connection else { continue }
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Reads the peer's uid with SO_PEERCRED; refuses when it cannot be read.
    private static func checkPeer(_ channel: Channel, allowed: Set<uid_t>?, logger: Logger) -> EventLoopFuture<Bool> {
        guard let allowed else { return channel.eventLoop.makeSucceededFuture(true) }
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(false)
        }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                                             name: SocketOptionName(SO_PEERCRED))
        return future.map { credentials in
            if allowed.contains(credentials.uid) { return true }
            logger.warning("refused a control connection from another user",
                           metadata: ["uid": "\(credentials.uid)", "pid": "\(credentials.pid)"])
            return false
        }.recover { _ in false }
    }

    private func serve(_ connection: NIOAsyncChannel<VarlinkFrame, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                // Calls are answered one at a time, in order. A streaming call (Watch)
                // runs until the peer hangs up, which only the inbound side notices, so
                // the reader runs beside the answering loop and cancels a streaming call.
                let (calls, callSink) = AsyncStream.makeStream(of: VarlinkFrame.self)
                let current = NIOLockedValueBox<VarlinkReplyWriter?>(nil)
                enum Finished { case peerClosed, mustClose, drained }
                try await withThrowingTaskGroup(of: Finished.self) { group in
                    group.addTask {
                        for try await frame in inbound { callSink.yield(frame) }
                        callSink.finish()
                        return .peerClosed
                    }
                    group.addTask {
                        for await frame in calls {
                            guard try await self.answer(frame, outbound: outbound, current: current) else { return .mustClose }
                        }
                        return .drained
                    }
                    switch try await group.next() {
                    case .mustClose?:
                        // An oversized frame: stop reading and close now.
                        group.cancelAll()
                    case .peerClosed?:
                        // The peer hung up: stop a streaming call; let pending answers finish.
                        if current.withLockedValue({ $0?.isStreaming ?? false }) { group.cancelAll() }
                    default:
                        break
                    }
                    while let _ = try? await group.next() {}
                }
            }
        } catch {
            logger.debug("control connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Answers one frame; false when the connection must close.
    private func answer(_ frame: VarlinkFrame, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
                        current: NIOLockedValueBox<VarlinkReplyWriter?>) async throws -> Bool {
        let bytes: ByteBuffer
        switch frame {
        case .oversized:
            let reply = VarlinkReply(errors.messageTooLarge(VarlinkFraming.maximumMessageSize))
            try await outbound.write(ByteBuffer(bytes: VarlinkFraming.encode(reply)))
            return false
        case .message(let message):
            bytes = message
        }
        let call: VarlinkCall
        do {
            call = try VarlinkFraming.decodeCall(bytes.readableBytesView)
        } catch .malformed(let reason) {
            try await outbound.write(ByteBuffer(bytes: VarlinkFraming.encode(VarlinkReply(errors.invalidMessage(reason)))))
            return true
        }
        let writer = VarlinkReplyWriter(outbound: outbound, oneway: call.oneway == true)
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

    /// `struct ucred` from <sys/socket.h> (pid_t, uid_t, gid_t), which Swift's Glibc
    /// module does not export without _GNU_SOURCE.
    struct PeerCredentials: Sendable {
        var pid: Int32
        var uid: UInt32
        var gid: UInt32
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
