import Foundation
import VarlinkProtocol

/// A Varlink client connection on a plain blocking socket, for a command that makes a
/// call or two and exits: no event-loop threads to start and no hop between threads per
/// call, which was most of a `relancectl` command's time after the runtime's start
/// (issue #15). Streaming calls use `VarlinkClient`.
public final class BlockingVarlinkConnection {
    private let descriptor: Int32
    private let maximumReplySize: Int
    /// Bytes read and not yet returned: `pending[unread...]` (a burst of replies read in
    /// one chunk is handed out frame by frame without copying the rest each time).
    private var pending: [UInt8] = []
    private var unread = 0

    /// Connects to the socket at `path`. A read or write that waits longer than
    /// `timeout` fails with `VarlinkClientError.timedOut`.
    public init(path: String, timeout: Duration, maximumReplySize: Int = 512 << 20) throws(VarlinkClientError) {
        self.maximumReplySize = maximumReplySize
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw .cannotConnect(path: path, reason: String(cString: strerror(errno))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            Glibc.close(descriptor)
            throw .cannotConnect(path: path, reason: "the path is longer than a socket address allows (\(capacity - 1) bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw .cannotConnect(path: path, reason: reason)
        }
        let (seconds, attoseconds) = timeout.components
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            setsockopt(descriptor, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
    }

    deinit { Glibc.close(descriptor) }

    /// Sends a call and returns its single reply; an error reply is thrown as `VarlinkError`.
    public func call(_ call: VarlinkCall) throws -> [String: JSONValue] {
        do {
            try send(Array(VarlinkFraming.encode(call)))
        } catch VarlinkClientError.connectionClosed {
            // A server that refuses the connection says why before closing it
            // (TooManyConnections, NotATeamUser): that reply is still there to read.
        }
        let frame = try nextFrame()
        let reply: VarlinkReply
        do {
            reply = try VarlinkFraming.decodeReply(frame)
        } catch .malformed(let reason) {
            throw VarlinkClientError.malformedReply(reason)
        }
        if let error = reply.error { throw VarlinkError(name: error, parameters: reply.parameters ?? [:]) }
        return reply.parameters ?? [:]
    }

    /// Writes bytes as they are (a benchmark sends pre-encoded calls).
    public func send(_ bytes: [UInt8]) throws(VarlinkClientError) {
        var sent = 0
        while sent < bytes.count {
            // MSG_NOSIGNAL: a peer that closed is an error to report, not SIGPIPE.
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw Self.failure(errno) }
            sent += n
        }
    }

    /// The next reply's bytes, terminator excluded, undecoded.
    public func nextFrame() throws(VarlinkClientError) -> ArraySlice<UInt8> {
        var searched = unread
        while true {
            if let end = pending[searched...].firstIndex(of: 0) {
                let frame = pending[unread..<end]
                unread = end + 1
                return frame
            }
            pending.removeFirst(unread)
            unread = 0
            searched = pending.count
            guard pending.count <= maximumReplySize else { throw .malformedReply("oversized reply") }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(descriptor, &chunk, chunk.count)
            if n < 0, errno == EINTR { continue }
            guard n != 0 else { throw .connectionClosed }
            guard n > 0 else { throw Self.failure(errno) }
            pending += chunk[..<n]
        }
    }

    private static func failure(_ code: Int32) -> VarlinkClientError {
        code == EAGAIN || code == EWOULDBLOCK ? .timedOut : .connectionClosed
    }
}
