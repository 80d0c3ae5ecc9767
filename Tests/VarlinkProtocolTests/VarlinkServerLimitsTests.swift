#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Testing
import VarlinkProtocol
import VarlinkTransport

/// The socket server under load (issue "Hardened against load, faults and hostile
/// peers"), live on a Unix socket in a temporary directory, with raw client sockets.
@Suite struct VarlinkServerLimitsTests {

    /// Runs a server with `limits` on a fresh socket for the duration of `body`.
    func withServer(_ limits: VarlinkServer.Limits, _ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vl-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("s").path
        let server = VarlinkServer(service: EchoService(), errors: VarlinkMemoryConnectionTests.errors, limits: limits,
                                   logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let (listening, ready) = AsyncStream.makeStream(of: Void.self)
        let task = Task { try await server.run(on: .path(path, mode: 0o600)) { ready.yield(); ready.finish() } }
        defer { task.cancel() }
        for await _ in listening { break }
        try await body(path)
    }

    /// A blocking client socket with a receive timeout.
    ///
    /// Its blocking `recv` runs on the client's own queue, never on a thread of Swift's
    /// cooperative pool: that pool has one thread per core, and the server under test
    /// needs those threads to answer. Blocking them (two tests at once on two cores) left
    /// the server unable to reply until the client's timeout, so this suite failed
    /// whenever it ran in parallel with another. The timeout is only a guard against a
    /// hang: 60 s, because CPU-bound tests running beside this one can hold both pool
    /// threads (and so the server) for several seconds on a loaded two-core machine.
    final class Client: @unchecked Sendable {
        let descriptor: CInt
        /// Every receive runs here, one at a time; `received` is touched only here.
        private let reading = DispatchQueue(label: "VarlinkServerLimitsTests.Client")
        var received: [UInt8] = []
        /// Whether a `receive` gave up after the 60 s timeout (rather than seeing EOF).
        private(set) var timedOut = false

        init(_ path: String) throws {
            descriptor = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
            }
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard result == 0 else { throw POSIXError(.ECONNREFUSED) }
            var timeout = timeval(tv_sec: 60, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(descriptor) }

        /// Sends what fits of `bytes[offset...]` without blocking; returns the bytes taken.
        func sendWithoutBlocking(_ bytes: [UInt8], from offset: Int) -> Int {
            bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + offset, $0.count - offset, CInt(MSG_DONTWAIT)) }
        }

        func sendAll(_ text: String) {
            let bytes = Array(text.utf8) + [0]
            _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        }

        /// The next frame as text; nil at EOF (or after the 60 s timeout).
        func receive() async -> String? {
            await withCheckedContinuation { continuation in
                reading.async { continuation.resume(returning: self.receiveBlocking()) }
            }
        }

        private func receiveBlocking() -> String? {
            while true {
                if let end = received.firstIndex(of: 0) {
                    let frame = String(decoding: received[..<end], as: UTF8.self)
                    received.removeSubrange(...end)
                    return frame
                }
                var chunk = [UInt8](repeating: 0, count: 65_536)
                let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { timedOut = true }
                guard count > 0 else { return nil }
                received += chunk[..<count]
            }
        }
    }

    static let echo = #"{"method":"com.example.Echo.Echo","parameters":{"text":"hi"}}"#
    static let echoed = #"{"parameters":{"text":"hi"}}"#

    @Test func aConnectionBeyondTheCapGetsTooManyConnectionsAndIsClosed() async throws {
        try await withServer(.init(maximumConnections: 1)) { path in
            // Given one connection served
            let first = try Client(path)
            first.sendAll(Self.echo)
            #expect(await first.receive() == Self.echoed)

            // When a second connects, Then it gets one error naming the limit, then EOF
            let second = try Client(path)
            #expect(await second.receive() == #"{"error":"com.example.Echo.TooManyConnections","parameters":{"limit":1}}"#)
            #expect(await second.receive() == nil)

            // And the first is still served
            first.sendAll(Self.echo)
            #expect(await first.receive() == Self.echoed)
        }
    }

    @Test func anIdleConnectionIsClosedAfterTheTimeout() async throws {
        try await withServer(.init(idleTimeout: .milliseconds(200))) { path in
            // Given a connection that was answered once
            let client = try Client(path)
            client.sendAll(Self.echo)
            #expect(await client.receive() == Self.echoed)
            // When it then says nothing, Then the server closes it: EOF, not the client's
            // own 60 s receive timeout giving up
            #expect(await client.receive() == nil)
            #expect(!client.timedOut)
        }
    }

    @Test func aPeerThatSendsWithoutReadingIsHeldBackNotBuffered() async throws {
        try await withServer(.init()) { path in
            // Given a client sending 20 000 calls of 2 KiB (40 MB) without reading a reply
            let client = try Client(path)
            let padding = String(repeating: "x", count: 2_048)
            let frame = Array(#"{"method":"com.example.Echo.Echo","parameters":{"text":"\#(padding)"}}"#.utf8) + [0]
            let bytes = Array([[UInt8]](repeating: frame, count: 20_000).joined())
            var offset = 0
            var stalledSince = ContinuousClock.now
            while offset < bytes.count, ContinuousClock.now - stalledSince < .seconds(1) {
                let sent = client.sendWithoutBlocking(bytes, from: offset)
                if sent > 0 {
                    offset += sent
                    stalledSince = .now
                } else {
                    try await Task.sleep(for: .milliseconds(10))
                }
            }
            // Then the server stops taking them: far fewer than all were accepted
            #expect(offset < bytes.count / 4, "the server took \(offset) of \(bytes.count) bytes unread")

            // And once the client reads, every call sent is answered, in order
            let reply = #"{"parameters":{"text":"\#(padding)"}}"#
            var answered = 0
            while offset < bytes.count || answered < 20_000 {
                if offset < bytes.count {
                    let sent = client.sendWithoutBlocking(bytes, from: offset)
                    if sent > 0 { offset += sent }
                }
                guard let text = await client.receive() else { break }
                #expect(text == reply)
                answered += 1
            }
            #expect(answered == 20_000)
        }
    }
}
