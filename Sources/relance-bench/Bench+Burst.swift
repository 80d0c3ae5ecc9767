import Foundation
import GRDB
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

        // Replies only counted, not decoded: decoding them here would measure this
        // client, not the daemon. The warm-up's replies come first.
        let heard = NIOLockedValueBox<(first: Date?, last: Date?, count: Int)>((nil, nil, 0))
        let reader = Thread { [socket = daemon.socket] in
            guard let watcher = try? BlockingVarlinkConnection(path: socket, timeout: .seconds(60)),
                  (try? watcher.send(Array(#"{"method":"io.relance.Control.Watch","more":true}"#.utf8) + [0])) != nil
            else { return }
            for reply in 1...(warmUpCount + count) {
                guard (try? watcher.nextFrame()) != nil else { return }
                let now = Date()
                guard reply > warmUpCount else { continue }
                heard.withLockedValue { heard in
                    if heard.first == nil { heard.first = now }
                    heard.last = now
                    heard.count += 1
                }
            }
        }
        reader.start()
        let deadline = instant.addingTimeInterval(30)
        // All committed: when a reader of the file first sees every item (in WAL mode a
        // reader never holds the writer up), looking every 0.2 ms from just before the
        // instant: the daemon's own account, without its socket or the Watch client.
        let committed = NIOLockedValueBox<Date?>(nil)
        let poller = Thread { [database = daemon.database] in
            var configuration = Configuration()
            configuration.readonly = true
            guard let file = try? DatabaseQueue(path: database, configuration: configuration) else { return }
            Thread.sleep(until: instant.addingTimeInterval(-0.002))
            while Date() < deadline {
                let items = try? file.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM inboxItem") }
                if let items, items >= warmUpCount + count { return committed.withLockedValue { $0 = Date() } }
                usleep(200)
            }
        }
        poller.start()
        while heard.withLockedValue({ $0.count }) < count || committed.withLockedValue({ $0 }) == nil, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let result = heard.withLockedValue { $0 }
        func after(_ date: Date?) -> String {
            date.map { String(format: "%.1f ms", $0.timeIntervalSince(instant) * 1000) } ?? "never"
        }
        print("")
        print("\(count) reminders due at one instant, one Watch client (no channel, relanced release build):")
        print("  all committed \(after(committed.withLockedValue { $0 })) after the instant (a reader of the file, every 0.2 ms)"
              + "   (target: ≤ 10 ms)")
        print("  heard \(result.count) of \(count); first item \(after(result.first)) after the instant, last \(after(result.last))"
              + "   (target: last Watch client ≤ 20 ms)")
    }
}
