import Foundation
import NIOConcurrencyHelpers
import NIOCore
import VarlinkProtocol

/// The in-memory twin of one connection to a `VarlinkServer`: bytes in, bytes out, no
/// socket. Frames are answered by the same code the server runs, in order.
///
/// For tests of a service "byte by byte". A streaming call (`more: true` on a method that
/// keeps sending) does not return until its task is cancelled.
public final class VarlinkMemoryConnection: Sendable {
    private let responder: VarlinkResponder
    private let maximumMessageSize = VarlinkFraming.maximumMessageSize
    private let state = NIOLockedValueBox(State())

    private struct State {
        /// Bytes received after the last NUL: the start of a frame not yet complete.
        var pending: [UInt8] = []
        /// An oversized frame closed the connection: nothing more is read.
        var closed = false
    }

    /// - Parameter errors: the errors the transport sends, as given to `VarlinkServer`.
    public init(service: any VarlinkService, errors: VarlinkServer.Errors) {
        self.responder = VarlinkResponder(service: service, errors: errors)
    }

    /// True once the server side would have closed the connection (an oversized frame).
    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Feeds `bytes` as if the peer wrote them; answers every frame they complete and
    /// returns the bytes written back (each reply NUL-terminated).
    public func send(_ bytes: some Sequence<UInt8>) async throws -> [UInt8] {
        let frames: [VarlinkFrame] = state.withLockedValue { state in
            guard !state.closed else { return [] }
            state.pending.append(contentsOf: bytes)
            var frames: [VarlinkFrame] = []
            // The same rule as VarlinkFrameDecoder: split at NUL; a frame over the limit is
            // reported once and everything after it discarded.
            while true {
                if let terminator = state.pending.firstIndex(of: 0), terminator <= maximumMessageSize {
                    frames.append(.message(ByteBuffer(bytes: state.pending[..<terminator])))
                    state.pending.removeSubrange(...terminator)
                } else if state.pending.count > maximumMessageSize {
                    frames.append(.oversized)
                    state.pending = []
                    break
                } else {
                    break
                }
            }
            return frames
        }
        let written = NIOLockedValueBox<[UInt8]>([])
        let current = NIOLockedValueBox<VarlinkReplyWriter?>(nil)
        for frame in frames {
            let open = try await responder.answer(frame, write: { data in written.withLockedValue { $0 += data } },
                                                  current: current)
            if !open {
                state.withLockedValue { $0.closed = true; $0.pending = [] }
                break
            }
        }
        return written.withLockedValue { $0 }
    }

    /// Sends one call and returns the replies it got, decoded.
    public func call(_ call: VarlinkCall) async throws -> [VarlinkReply] {
        let reply = try await send(VarlinkFraming.encode(call))
        return try reply.split(separator: 0).map { try VarlinkFraming.decodeReply($0) }
    }
}
