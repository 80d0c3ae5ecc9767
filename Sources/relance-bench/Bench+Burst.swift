import Foundation
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
import VarlinkProtocol
import VarlinkTransport

extension Bench {
    // MARK: A burst due at one instant (issue #15)

    /// `count` reminders due at one whole second, created beforehand with `RemindMany`,
    /// and a `Watch` client listening: from the instant to the first and the last item
    /// the client hears (each is heard after its transaction committed, so the last is
    /// an upper bound on "all committed"). A burst of 100 one second before warms the
    /// daemon up (first-use costs: lazy symbol binding, type metadata, statements), as a
    /// daemon running for days is.
    static func burst(count: Int, directory: URL) async throws {
        let daemon = try await BenchDaemon.start("burst", in: directory)
        defer { daemon.stop() }
        let warmUp = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3).rounded(.up))
        let instant = warmUp.addingTimeInterval(1)
        let warmUpCount = 100
        try await VarlinkClient.connect(path: daemon.socket) { connection in
            for (due, count) in [(warmUp, warmUpCount), (instant, count)] {
                let at = JSONValue.string(JSONCoding.formatDate(due))
                for offset in stride(from: 0, to: count, by: ReminderBatch.maximumCount) {
                    let items = (offset..<min(offset + ReminderBatch.maximumCount, count)).map { index in
                        JSONValue.object(["at": at, "text": .string("burst \(index)")])
                    }
                    _ = try await connection.call(VarlinkCall(method: RemindMany.qualifiedName, parameters: ["reminders": .array(items)]))
                }
            }
        }
        guard warmUp.timeIntervalSinceNow > 1 else { print("creating \(count) reminders took past their instant; lower --burst-count"); return }

        // Replies only counted (NUL-terminated), not decoded: decoding them here would
        // measure this client, not the daemon. The warm-up's replies are counted first.
        let heard = NIOLockedValueBox<(first: Date?, last: Date?, count: Int)>((nil, nil, 0))
        let watcher = try RawVarlinkSocket(path: daemon.socket)
        try watcher.send(#"{"method":"io.relance.Control.Watch","more":true}"#)
        let total = warmUpCount + count
        let reader = Thread {
            var replies = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while replies < total {
                let n = read(watcher.descriptor, &buffer, buffer.count)
                guard n > 0 else { return }
                let now = Date()
                let terminators = buffer[0..<n].reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
                heard.withLockedValue { heard in
                    let measured = max(0, replies + terminators - warmUpCount) - max(0, replies - warmUpCount)
                    if measured > 0 {
                        if heard.first == nil { heard.first = now }
                        heard.last = now
                        heard.count += measured
                    }
                }
                replies += terminators
            }
        }
        reader.start()
        let deadline = instant.addingTimeInterval(30)
        while heard.withLockedValue({ $0.count }) < count, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        watcher.close()
        let result = heard.withLockedValue { $0 }
        func after(_ date: Date?) -> String {
            date.map { String(format: "%.1f ms", $0.timeIntervalSince(instant) * 1000) } ?? "never"
        }
        print("")
        print("\(count) reminders due at one instant, one Watch client (no channel, relanced release build):")
        print("  heard \(result.count) of \(count); first item \(after(result.first)) after the instant, last \(after(result.last))"
              + "   (target: all committed ≤ 10 ms, last Watch client ≤ 20 ms)")
    }
}

/// A Varlink connection on a plain blocking socket: what a client costs least, so the
/// figures are the daemon's, not a Swift client's (JSON trees, event loop hops).
struct RawVarlinkSocket {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8.prefix(raw.count - 1)) + [0])
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw Bench.BenchError.daemonEnded(errno) }
    }

    /// Sends one message (the NUL terminator is added).
    func send(_ message: String) throws {
        let bytes = Array(message.utf8) + [0]
        guard write(descriptor, bytes, bytes.count) == bytes.count else { throw Bench.BenchError.daemonEnded(errno) }
    }

    /// The next reply's bytes, without its terminator.
    mutating func reply() throws -> ArraySlice<UInt8> {
        while true {
            if let end = buffer.firstIndex(of: 0) {
                let reply = buffer[..<end]
                buffer.removeSubrange(...end)
                return reply
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let n = read(descriptor, &chunk, chunk.count)
            guard n > 0 else { throw Bench.BenchError.daemonEnded(errno) }
            buffer += chunk[..<n]
        }
    }

    func close() {
        _ = shutdown(descriptor, Int32(SHUT_RDWR))  // wakes a reader blocked in read
        _ = Glibc.close(descriptor)
    }
}
