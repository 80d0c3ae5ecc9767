import Foundation
import NIOCore
import NIOPosix
import VarlinkProtocol

/// A Varlink client connection on a Unix socket, used inside `VarlinkClient.connect`.
public final class VarlinkConnection {
    private var inbound: NIOAsyncChannelInboundStream<VarlinkFrame>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    init(inbound: NIOAsyncChannelInboundStream<VarlinkFrame>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Sends a call and returns its single reply; an error reply is thrown as `VarlinkError`.
    public func call(_ call: VarlinkCall) async throws -> [String: JSONValue] {
        try await send(call)
        return try await nextReply().parameters ?? [:]
    }

    /// Sends a call with `more: true` and hands each reply's parameters to `body` until
    /// the last reply, the peer closes, or `body` returns false.
    public func stream(_ call: VarlinkCall, _ body: ([String: JSONValue]) async throws -> Bool) async throws {
        var call = call
        call.more = true
        try await send(call)
        while true {
            let reply = try await nextReply()
            guard try await body(reply.parameters ?? [:]), reply.continues == true else { return }
        }
    }

    /// Writes raw bytes (tests use this to send malformed frames).
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Reads the next reply, throwing its error if it carries one.
    public func nextReply() async throws -> VarlinkReply {
        guard let frame = try await inbound.next() else { throw VarlinkClientError.connectionClosed }
        guard case .message(let bytes) = frame else { throw VarlinkClientError.malformedReply("oversized reply") }
        let reply: VarlinkReply
        do {
            reply = try VarlinkFraming.decodeReply(bytes.readableBytesView)
        } catch .malformed(let reason) {
            throw VarlinkClientError.malformedReply(reason)
        }
        if let error = reply.error { throw VarlinkError(name: error, parameters: reply.parameters ?? [:]) }
        return reply
    }

    private func send(_ call: VarlinkCall) async throws {
        try await outbound.write(ByteBuffer(bytes: VarlinkFraming.encode(call)))
    }
}

/// Why a client call failed outside the protocol's own errors.
public enum VarlinkClientError: Error, Equatable, CustomStringConvertible {
    /// Nothing listens at the path (or it is not a socket, or access is denied).
    case cannotConnect(path: String, reason: String)
    case connectionClosed
    case malformedReply(String)
    /// No answer (or no room to send) within the connection's timeout.
    case timedOut

    public var description: String {
        switch self {
        case .cannotConnect(let path, let reason): "cannot connect to \(path): \(reason)"
        case .connectionClosed: "the daemon closed the connection"
        case .malformedReply(let reason): "malformed reply from the daemon: \(reason)"
        case .timedOut: "no answer from the daemon in time"
        }
    }
}

/// Opens client connections.
public enum VarlinkClient {
    /// Connects to the socket at `path`, runs `body`, then closes the connection.
    /// - Parameter maximumReplySize: the largest reply accepted (bytes); replies carry
    ///   whole backups and calendars, so this is far above the 1 MiB request limit.
    public static func connect<Result: Sendable>(
        path: String,
        maximumReplySize: Int = 512 << 20,
        group: MultiThreadedEventLoopGroup = .singleton,
        _ body: (VarlinkConnection) async throws -> Result
    ) async throws -> Result {
        let channel: NIOAsyncChannel<VarlinkFrame, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(VarlinkFrameDecoder(maximumMessageSize: maximumReplySize)))
                        return try NIOAsyncChannel<VarlinkFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as IOError {
            throw VarlinkClientError.cannotConnect(path: path, reason: String(cString: strerror(error.errnoCode)))
        } catch {
            throw VarlinkClientError.cannotConnect(path: path, reason: "\(error)")
        }
        return try await channel.executeThenClose { inbound, outbound in
            let connection = VarlinkConnection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(connection)
        }
    }
}
