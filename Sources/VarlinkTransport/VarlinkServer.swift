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
///
/// Load is bounded (issue "Hardened against load, faults and hostile peers"): a
/// connection reads at most one frame ahead of the call being answered, so a peer that
/// sends without reading its replies is held back by the socket, not buffered; at most
/// `Limits.maximumConnections` are served at once (the next one gets one
/// `tooManyConnections` error and is closed); a connection idle for
/// `Limits.idleTimeout` (no call being answered, no streaming call) is closed.
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
        /// For a connection beyond the cap (`limit` connections), sent once before closing it.
        public var tooManyConnections: @Sendable (Int) -> VarlinkError
        /// For a peer whose uid is not allowed (`uid`), sent once before closing it; nil:
        /// the connection is closed without a word.
        public var peerRefused: (@Sendable (UInt32) -> VarlinkError)?
        public init(invalidMessage: @escaping @Sendable (String) -> VarlinkError,
                    messageTooLarge: @escaping @Sendable (Int) -> VarlinkError,
                    invalidParameter: @escaping @Sendable (String, String) -> VarlinkError,
                    tooManyConnections: @escaping @Sendable (Int) -> VarlinkError,
                    peerRefused: (@Sendable (UInt32) -> VarlinkError)? = nil) {
            self.invalidMessage = invalidMessage
            self.messageTooLarge = messageTooLarge
            self.invalidParameter = invalidParameter
            self.tooManyConnections = tooManyConnections
            self.peerRefused = peerRefused
        }
    }

    /// How much load one server accepts.
    public struct Limits: Sendable, Equatable {
        /// Connections served at once; one more is refused with `Errors.tooManyConnections`.
        /// The default leaves room under systemd's 1 024-descriptor soft limit.
        public var maximumConnections: Int
        /// How long a connection may sit with no call being answered and no streaming
        /// call before the server closes it.
        public var idleTimeout: Duration
        public init(maximumConnections: Int = 256, idleTimeout: Duration = .seconds(300)) {
            self.maximumConnections = maximumConnections
            self.idleTimeout = idleTimeout
        }
    }

    private let responder: VarlinkResponder
    private let errors: Errors
    private let limits: Limits
    private let allowedUIDs: @Sendable () -> Set<uid_t>?
    private let logger: Logger
    private let group: MultiThreadedEventLoopGroup

    /// - Parameter allowedUIDs: peers served, read as each connection is accepted (so a
    ///   reload can change them); by default this process's uid and root; nil serves any
    ///   peer that can open the socket (its mode and group decide).
    /// - Parameter limits: the connection cap and the idle timeout.
    public init(service: any VarlinkService, errors: Errors, limits: Limits = Limits(),
                allowedUIDs: @escaping @Sendable () -> Set<uid_t>? = { [getuid(), 0] },
                group: MultiThreadedEventLoopGroup = .singleton, logger: Logger) {
        self.responder = VarlinkResponder(service: service, errors: errors)
        self.errors = errors
        self.limits = limits
        self.allowedUIDs = allowedUIDs
        self.group = group
        self.logger = logger
    }

    /// Listens on `endpoint`, calls `onListening` once ready, and serves until cancelled.
    public func run(on endpoint: Endpoint, onListening: @Sendable () -> Void = {}) async throws {
        // A new connection reads nothing until the accept loop has taken it (`adopt`): see
        // `Accepted`.
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.autoRead, value: false)
        let allowed = allowedUIDs
        let logger = logger
        let tellsRefusal = errors.peerRefused != nil
        let initializer: @Sendable (Channel) -> EventLoopFuture<Accepted?> = { channel in
            Self.checkPeer(channel, allowed: allowed(), logger: logger).flatMapThrowing { peer in
                guard peer.permitted || (tellsRefusal && peer.uid != nil) else {
                    channel.close(promise: nil)
                    return nil
                }
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VarlinkFrameDecoder()))
                return Accepted(channel: channel, uid: peer.uid, permitted: peer.permitted)
            }
        }
        let server: NIOAsyncChannel<Accepted?, Never>
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
        let open = NIOLockedValueBox(0)
        let maximum = limits.maximumConnections
        try await withThrowingDiscardingTaskGroup { group in
            try await server.executeThenClose { connections in
                for try await accepted in connections {
                    guard let accepted, let connection = await Self.adopt(accepted.channel) else { continue }
                    if !accepted.permitted, let uid = accepted.uid {
                        group.addTask { await self.refuse(connection, uid: uid) }
                        continue
                    }
                    let admitted = open.withLockedValue { count in
                        guard count < maximum else { return false }
                        count += 1
                        return true
                    }
                    guard admitted else {
                        group.addTask { await self.refuse(connection) }
                        continue
                    }
                    group.addTask {
                        // The caller's uid, for services that serve several users (team mode).
                        await VarlinkPeer.$uid.withValue(accepted.uid) { await self.serve(connection) }
                        open.withLockedValue { $0 -= 1 }
                    }
                }
            }
        }
    }

    /// Tells a connection beyond the cap why it is refused, and closes it.
    private func refuse(_ connection: NIOAsyncChannel<VarlinkFrame, ByteBuffer>) async {
        logger.warning("refused a control connection: \(limits.maximumConnections) already open",
                       metadata: ["limit": "\(limits.maximumConnections)"])
        let reply = try? VarlinkFraming.encode(VarlinkReply(errors.tooManyConnections(limits.maximumConnections)))
        try? await connection.executeThenClose { _, outbound in
            if let reply { try await outbound.write(ByteBuffer(bytes: reply)) }
        }
    }

    /// Tells a peer whose uid is not allowed why it is refused, and closes it.
    private func refuse(_ connection: NIOAsyncChannel<VarlinkFrame, ByteBuffer>, uid: UInt32) async {
        guard let refusal = errors.peerRefused else { return }
        let reply = try? VarlinkFraming.encode(VarlinkReply(refusal(uid)))
        try? await connection.executeThenClose { _, outbound in
            if let reply { try await outbound.write(ByteBuffer(bytes: reply)) }
        }
    }

    /// A connection the listener accepted: its peer's uid (nil when it could not be read)
    /// and whether that uid is served (a refused one only hears why).
    ///
    /// It holds the plain channel, not yet reading: a `NIOAsyncChannel` made here and
    /// still queued when the accept loop is cancelled (the daemon stopping) would be
    /// dropped unfinished, and NIO traps on that ("Deinited NIOAsyncWriter without
    /// calling finish()", swift-nio#2637). The loop wraps each one it takes (`adopt`),
    /// and every wrapped one is closed through `executeThenClose`.
    struct Accepted: Sendable {
        var channel: Channel
        var uid: UInt32?
        var permitted: Bool
    }

    /// The connection as an async channel, reading from now on; nil if it closed first.
    /// Reading is switched on before the wrapping, in the same event-loop turn (the first
    /// bytes arrive at a later turn): nothing can fail once the async channel exists.
    private static func adopt(_ channel: Channel) async -> NIOAsyncChannel<VarlinkFrame, ByteBuffer>? {
        try? await channel.eventLoop.submit {
            try channel.syncOptions?.setOption(.autoRead, value: true)
            return try NIOAsyncChannel<VarlinkFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
        }.get()
    }

    /// Reads the peer's uid with SO_PEERCRED; refuses when it cannot be read.
    private static func checkPeer(_ channel: Channel, allowed: Set<uid_t>?,
                                  logger: Logger) -> EventLoopFuture<(permitted: Bool, uid: UInt32?)> {
        guard let provider = channel as? SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture((allowed == nil, nil))
        }
        let future: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                                             name: SocketOptionName(SO_PEERCRED))
        return future.map { credentials in
            guard let allowed, !allowed.contains(credentials.uid) else { return (true, credentials.uid) }
            logger.warning("refused a control connection from another user",
                           metadata: ["uid": "\(credentials.uid)", "pid": "\(credentials.pid)"])
            return (false, credentials.uid)
        }.recover { _ in (allowed == nil, nil) }
    }

    /// Whether a connection is answering a call, and since when it has not been.
    private struct Activity {
        var answering = false
        var idleSince = ContinuousClock.now
    }

    private func serve(_ connection: NIOAsyncChannel<VarlinkFrame, ByteBuffer>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                let activity = NIOLockedValueBox(Activity())
                try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { try await self.answerCalls(inbound, outbound, activity: activity); return false }
                    group.addTask { try await self.waitUntilIdle(activity, on: connection.channel.eventLoop); return true }
                    if try await group.next() == true {
                        logger.debug("closed an idle control connection",
                                     metadata: ["idle": "\(limits.idleTimeout)"])
                    }
                    group.cancelAll()
                }
            }
        } catch {
            logger.debug("control connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// Answers the connection's calls one at a time, in order, until the peer hangs up.
    ///
    /// While a call is answered, at most one further frame is read (none for a call that
    /// does not stream): the frames after it stay in the socket, so NIO stops reading and
    /// a peer that sends without reading its replies is held back by the kernel instead
    /// of buffered here. Reading that one frame ahead is how a streaming call (Watch)
    /// learns that the peer hung up: EOF cancels it. If the peer sent another call behind a streaming one, the hang-up is
    /// noticed by the streaming call's next write failing instead.
    private func answerCalls(_ inbound: NIOAsyncChannelInboundStream<VarlinkFrame>,
                             _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
                             activity: NIOLockedValueBox<Activity>) async throws {
        let write: @Sendable (Data) async throws -> Void = { try await outbound.write(ByteBuffer(bytes: $0)) }
        var frames = inbound.makeAsyncIterator()
        var next = try await frames.next()
        while let frame = next {
            guard case .message(let bytes) = frame else {
                // One MessageTooLarge reply, then close: the stream cannot be resynchronised.
                _ = try await responder.answer(frame, write: write, current: NIOLockedValueBox(nil))
                return
            }
            activity.withLockedValue { $0.answering = true }
            let call = try await responder.decode(bytes, write: write)
            guard let call, call.more == true else {
                // A call that does not stream is answered before the next frame is read:
                // no task per call, no hop to another thread (issue #15).
                if let call { _ = try await responder.answer(call, write: write, current: NIOLockedValueBox(nil)) }
                activity.withLockedValue { $0 = Activity(answering: false, idleSince: .now) }
                next = try await frames.next()
                continue
            }
            let current = NIOLockedValueBox<VarlinkReplyWriter?>(nil)
            next = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { activity.withLockedValue { $0 = Activity(answering: false, idleSince: .now) } }
                    _ = try await self.responder.answer(call, write: write, current: current)
                }
                let following = try await frames.next()
                if following == nil, current.withLockedValue({ $0?.isStreaming ?? false }) {
                    // The peer hung up: stop the streaming call (a pending answer still finishes).
                    group.cancelAll()
                }
                try await group.waitForAll()
                return following
            }
        }
    }

    /// Returns once the connection has answered nothing for `limits.idleTimeout`.
    ///
    /// It sleeps on the connection's event loop rather than with `Task.sleep`, which on
    /// Linux schedules on libdispatch's global queues and so starts libdispatch's 1 Hz
    /// worker-pool monitor, waking the daemon every second for as long as it runs.
    private func waitUntilIdle(_ activity: NIOLockedValueBox<Activity>, on loop: any EventLoop) async throws {
        let clock = ContinuousClock()
        while true {
            guard let idleSince = activity.withLockedValue({ $0.answering ? nil : $0.idleSince }) else {
                try await loop.sleep(for: limits.idleTimeout)
                continue
            }
            let deadline = idleSince + limits.idleTimeout
            if clock.now >= deadline { return }
            try await loop.sleep(for: deadline - clock.now)
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
