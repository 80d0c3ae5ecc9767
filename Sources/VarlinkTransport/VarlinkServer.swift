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

    private let responder: VarlinkResponder
    private let allowedUIDs: Set<uid_t>?
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup

    /// - Parameter allowedUIDs: peers served; by default this process's uid and root; nil
    ///   serves any peer that can open the socket (its mode and group decide).
    public init(service: any VarlinkService, errors: Errors, allowedUIDs: Set<uid_t>? = [getuid(), 0],
                group: MultiThreadedEventLoopGroup = .singleton, logger: Logger) {
        self.responder = VarlinkResponder(service: service, errors: errors)
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
                            guard try await self.responder.answer(frame, write: { try await outbound.write(ByteBuffer(bytes: $0)) },
                                                                  current: current) else {
                                return .mustClose
                            }
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

    /// `struct ucred` from <sys/socket.h> (pid_t, uid_t, gid_t), which Swift's Glibc
    /// module does not export without _GNU_SOURCE.
    struct PeerCredentials: Sendable {
        var pid: Int32
        var uid: UInt32
        var gid: UInt32
    }
}
