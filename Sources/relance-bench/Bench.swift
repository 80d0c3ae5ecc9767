import Foundation
import GRDB
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
import RelanceDaemon
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

/// relance-bench: the figures issues #2 and #15 set targets for. Build in release mode
/// (`scripts/bench`); nothing here is a pass/fail test.
@main
struct Bench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        let pendingForLateness = intArgument("--lateness-pending", in: arguments) ?? 100_000
        let pendingForStartup = intArgument("--startup-pending", in: arguments) ?? 1_000_000
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relance-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        print("relance-bench — \(machineDescription())")
        let only = arguments.firstIndex(of: "--only").map { arguments[arguments.index(after: $0)] }
        if only == nil || only == "lateness" { try await lateness(pending: pendingForLateness, directory: directory) }
        if only == nil || only == "startup" { try await startupAndControl(pending: pendingForStartup, directory: directory) }
        if only == nil || only == "import" { try await importSpeed(records: intArgument("--import-records", in: arguments) ?? 10_000, directory: directory) }
        if only == nil || only == "idle" { try await idleWakeUps(seconds: intArgument("--idle-seconds", in: arguments) ?? 120, directory: directory) }
        if only == nil || only == "create" { try await creationRate(seconds: intArgument("--create-seconds", in: arguments) ?? 3, directory: directory) }
        if only == nil || only == "longest-write" { try await longestWrite(directory: directory) }
        if only == nil || only == "burst" { try await burst(count: intArgument("--burst-count", in: arguments) ?? 1_000, directory: directory) }
        if only == nil || only == "fire" { try await firingCost(count: intArgument("--fire-count", in: arguments) ?? 10_000, directory: directory) }
        if only == nil || only == "maildir" { try await maildirScan(messages: intArgument("--maildir-messages", in: arguments) ?? 100_000, directory: directory) }
        if only == nil || only == "vdir" { try await vdirSync(events: intArgument("--vdir-events", in: arguments) ?? 10_000, directory: directory) }
    }

    // MARK: Timer lateness

    /// Due time → committed inbox item, with `pending` other reminders in the heap.
    static func lateness(pending: Int, directory: URL) async throws {
        let store = try AppDatabase.open(path: directory.appendingPathComponent("lateness.sqlite").path)
        let far = Date().addingTimeInterval(365 * 86_400)
        _ = try store.addReminders((0..<pending).map { ("far \($0)", far.addingTimeInterval(Double($0))) })

        let latenesses = NIOLockedValueBox<[Double]>([])
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let scheduler = Scheduler(store: store, time: SystemTimeSource(), logger: logger) { firing in
            let items = firing.items
            let committed = Date()
            latenesses.withLockedValue { list in
                list += items.map { committed.timeIntervalSince($0.dueAt) * 1000 }
            }
        }
        try scheduler.start()
        let samples = 2000
        let start = Date().addingTimeInterval(1)
        // Distinct due times 2.5 ms apart, so each firing is its own timer expiry.
        _ = try store.addReminders((0..<samples).map { ("sample \($0)", start.addingTimeInterval(Double($0) * 0.0025)) })
        let deadline = Date().addingTimeInterval(30)
        while latenesses.withLockedValue({ $0.count }) < samples && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        scheduler.stop()
        let values = latenesses.withLockedValue { $0 }.sorted()
        print("")
        print("timer lateness, due → inbox item committed (\(values.count) firings, \(pending) other pending):")
        print(String(format: "  p50 %.3f ms   p99 %.3f ms   max %.3f ms   (target: p99 < 5 ms)",
                     percentile(values, 0.50), percentile(values, 0.99), values.last ?? .nan))
    }

    // MARK: Start-up, memory and control round trips (the real relanced)

    static func startupAndControl(pending: Int, directory: URL) async throws {
        let database = directory.appendingPathComponent("startup.sqlite").path
        let socket = directory.appendingPathComponent("ctl.sock").path
        let config = directory.appendingPathComponent("config.toml").path
        _ = FileManager.default.createFile(atPath: config, contents: Data())
        do {
            let store = try AppDatabase.open(path: database)
            let far = Date().addingTimeInterval(365 * 86_400)
            let batch = 100_000
            for offset in stride(from: 0, to: pending, by: batch) {
                _ = try store.addReminders((offset..<min(offset + batch, pending)).map { ("pending \($0)", far.addingTimeInterval(Double($0))) })
            }
        }
        let relanced = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("relanced").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: relanced)
        process.arguments = ["--database", database, "--socket", socket, "--config", config, "--log-level", "error"]
        let started = Date()
        try process.run()
        defer { process.terminate(); process.waitUntilExit() }

        var serving: Date?
        while serving == nil && Date().timeIntervalSince(started) < 60 {
            if (try? await call(socket, Status.self, Empty())) != nil { serving = Date() } else {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
        guard let serving else { print("relanced did not start serving within 60 s"); return }
        let rss = residentMemory(pid: process.processIdentifier)
        print("")
        print("relanced with \(pending) pending reminders:")
        print(String(format: "  start → serving Status: %.2f s   (target: < 5 s)", serving.timeIntervalSince(started)))
        print(String(format: "  resident memory: %.0f MB now, %.0f MB peak   (target: < 300 MB)", rss.current, rss.peak))

        try await VarlinkClient.connect(path: socket) { connection in
            let status = VarlinkCall(method: Status.qualifiedName, parameters: [:])
            for _ in 0..<200 { _ = try await connection.call(status) }  // warm-up
            var roundTrips: [Double] = []
            for _ in 0..<5000 {
                let before = ContinuousClock.now
                _ = try await connection.call(status)
                roundTrips.append(milliseconds(ContinuousClock.now - before))
            }
            roundTrips.sort()
            print(String(format: "  Status round trip (one connection, 5000 calls): p50 %.3f ms   p99 %.3f ms   (target: p99 < 2 ms)",
                         percentile(roundTrips, 0.5), percentile(roundTrips, 0.99)))

            let when = JSONValue.string(JSONCoding.formatDate(Date().addingTimeInterval(30 * 86_400)))
            let remind = VarlinkCall(method: Remind.qualifiedName, parameters: ["at": when, "text": .string("benchmark")])
            let begin = ContinuousClock.now
            var created = 0
            while ContinuousClock.now - begin < .seconds(3) {
                _ = try await connection.call(remind)
                created += 1
            }
            print(String(format: "  reminders created through the socket: %.0f per second (sequential, one connection)",
                         Double(created) / 3))
        }
    }

    // MARK: Import

    /// `relancectl import` of N vCards, then of N LinkedIn CSV rows, into a running
    /// daemon: wall time of the whole command (reading, parsing, planning, one
    /// transaction).
    static func importSpeed(records: Int, directory: URL) async throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let daemon = try await BenchDaemon.start("import", in: directory)
        defer { daemon.stop() }
        let socket = daemon.socket

        var vcards = ""
        var csv = "Notes:\n\"When exporting your connection data…\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        for index in 0..<records {
            vcards += "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person \(index) Ünïcode\r\nN:Ünïcode;Person \(index);;;\r\n"
                + "EMAIL;TYPE=INTERNET:person\(index)@example.com\r\nORG:Company \(index % 97)\r\nTITLE:Founder\r\n"
                + "NOTE:Met at meetup \(index % 13)\\, said hello\r\nEND:VCARD\r\n"
            csv += "Row\(index),Member,https://www.linkedin.com/in/row\(index),row\(index)@example.org,Company \(index % 89),Engineer,07 Dec 2025\n"
        }
        for (name, text) in [("contacts.vcf", vcards), ("Connections.csv", csv)] {
            let file = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: file)
            let started = ContinuousClock.now
            let status = try ChildProcess.run(bin.appendingPathComponent("relancectl"),
                                              ["import", file.path, "--socket", socket, "--json", "--timeout", "120"])
            let seconds = milliseconds(ContinuousClock.now - started) / 1000
            print("")
            print(String(format: "relancectl import of %d records (%@, %.1f MB): %.2f s, exit %d   (target: < 5 s)",
                         records, name, Double(text.utf8.count) / 1e6, seconds, status))
        }
    }

    // MARK: Creation rate (issue #15)

    /// Reminders created per second through the socket of a real relanced (release
    /// build, WAL file, `synchronous=NORMAL`): one `Remind` call at a time on one
    /// connection (an ISO instant, then a typed time the daemon reads), then `RemindMany`
    /// batches; and the wall time of a whole `relancectl remind` process.
    static func creationRate(seconds: Int, directory: URL) async throws {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let daemon = try await BenchDaemon.start("create", in: directory)
        defer { daemon.stop() }
        let socket = daemon.socket

        let window = Duration.seconds(seconds)
        let iso = JSONValue.string(JSONCoding.formatDate(Date().addingTimeInterval(30 * 86_400)))
        print("")
        print("reminders created through the socket (\(seconds) s each, one connection, relanced release build):")
        // One call at a time on a plain blocking socket, the calls encoded beforehand and
        // the replies not decoded: the rate is the daemon's, not this client's.
        let raw = try BlockingVarlinkConnection(path: socket, timeout: .seconds(60))
        for (label, at) in [("Remind, ISO instant", iso), ("Remind, \"tomorrow 9:30\"", JSONValue.string("tomorrow 9:30"))] {
            let remind = Array(try VarlinkFraming.encode(VarlinkCall(method: Remind.qualifiedName,
                                                                     parameters: ["at": at, "text": .string("benchmark")])))
            func call() throws {
                try raw.send(remind)
                let reply = try raw.nextFrame()
                guard reply.starts(with: Array(#"{"parameters""#.utf8)) else {
                    throw BenchError.unexpectedReply(String(decoding: reply, as: UTF8.self))
                }
            }
            for _ in 0..<200 { try call() }  // warm-up
            let begin = ContinuousClock.now
            let cpuBefore = cpuSeconds(pid: daemon.process.processIdentifier)
            var created = 0
            while ContinuousClock.now - begin < window {
                try call()
                created += 1
            }
            // The daemon's own CPU per call: on a shared machine the rate is mostly
            // how long the client and the daemon wait for a core.
            let cpu = cpuSeconds(pid: daemon.process.processIdentifier) - cpuBefore
            print("  " + label.padding(toLength: 30, withPad: " ", startingAt: 0)
                  + String(format: "%8.0f / s   (sequential, one transaction each; daemon CPU %.0f µs per call)",
                           Double(created) / milliseconds(ContinuousClock.now - begin) * 1000, cpu / Double(created) * 1e6))
        }
        try await VarlinkClient.connect(path: socket) { connection in
            for size in [10, 100, 1_000, ReminderBatch.maximumCount] {
                let item = JSONValue.object(["at": iso, "text": .string("benchmark")])
                let many = VarlinkCall(method: RemindMany.qualifiedName,
                                       parameters: ["reminders": .array(Array(repeating: item, count: size))])
                _ = try await connection.call(many)  // warm-up
                let begin = ContinuousClock.now
                var created = 0
                while ContinuousClock.now - begin < window {
                    _ = try await connection.call(many)
                    created += size
                }
                print("  " + "RemindMany, \(size) per call".padding(toLength: 30, withPad: " ", startingAt: 0)
                      + String(format: "%8.0f / s   (one transaction per call)",
                               Double(created) / milliseconds(ContinuousClock.now - begin) * 1000))
            }
        }

        let floor = try sqliteFloor(seconds: seconds, directory: directory)
        print("  " + "SQLite floor, 1 per txn".padding(toLength: 30, withPad: " ", startingAt: 0)
              + String(format: "%8.0f / s   (bare GRDB, the same INSERT, WAL, synchronous=NORMAL)", floor.single))
        print("  " + "SQLite floor, 1000 per txn".padding(toLength: 30, withPad: " ", startingAt: 0)
              + String(format: "%8.0f / s", floor.batched))

        // A whole `relancectl remind` process, as `at` and `systemd-run` are timed;
        // with --ctl-before PATH, another relancectl (an older build) in turns with this
        // one against the same daemon, so the machine's load falls on both alike.
        var clients = [("this relancectl", bin.appendingPathComponent("relancectl"))]
        if let before = stringArgument("--ctl-before", in: CommandLine.arguments.dropFirst()) {
            clients.append(("--ctl-before", URL(fileURLWithPath: before)))
        }
        var runs = Array(repeating: [Double](), count: clients.count)
        for index in 0..<60 {
            for (client, (_, executable)) in clients.enumerated() {
                let started = ContinuousClock.now
                let status = try ChildProcess.run(executable, ["remind", "tomorrow 9:30", "process \(index)", "--socket", socket])
                // The first ten warm the caches.
                if index >= 10 && status == 0 { runs[client].append(milliseconds(ContinuousClock.now - started)) }
            }
        }
        for (client, (label, _)) in clients.enumerated() {
            let sorted = runs[client].sorted()
            print("  relancectl remind \"tomorrow 9:30\" …, whole process (\(label)): "
                  + String(format: "p50 %.1f ms   p90 %.1f ms   (%d runs)", percentile(sorted, 0.5), percentile(sorted, 0.9), sorted.count))
        }
    }

    // MARK: CPU per fired reminder (issue #15)

    /// `count` reminders due within one second, created beforehand with `RemindMany`;
    /// the daemon's CPU time (user + system, all threads, `/proc/PID/stat`) from just
    /// before the first is due until all have fired, divided by `count`. No channel is
    /// configured: this is the firing itself (rows marked, inbox items inserted, the
    /// heap, the Watch broadcast), not delivery.
    static func firingCost(count: Int, directory: URL) async throws {
        let daemon = try await BenchDaemon.start("fire", in: directory)
        defer { daemon.stop() }
        let pid = daemon.process.processIdentifier
        let first = Date().addingTimeInterval(Double(count) / 2_000 + 3)
        try await VarlinkClient.connect(path: daemon.socket) { connection in
            for offset in stride(from: 0, to: count, by: ReminderBatch.maximumCount) {
                let items = (offset..<min(offset + ReminderBatch.maximumCount, count)).map { index in
                    JSONValue.object(["at": .string(JSONCoding.formatDate(first.addingTimeInterval(Double(index) / Double(count)))),
                                      "text": .string("firing benchmark \(index)")])
                }
                _ = try await connection.call(VarlinkCall(method: RemindMany.qualifiedName, parameters: ["reminders": .array(items)]))
            }
        }
        let margin = first.timeIntervalSinceNow - 0.5
        guard margin > 0 else { print("creating \(count) reminders took too long; raise the lead time"); return }
        try await Task.sleep(for: .milliseconds(Int(margin * 1000)))
        let before = cpuSeconds(pid: pid)
        try await Task.sleep(for: .milliseconds(1_600))
        var status: [String: JSONValue] = [:]
        for _ in 0..<200 {
            status = try await call(daemon.socket, Status.self, Empty())
            if status["pendingReminders"] == .number(0) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let after = cpuSeconds(pid: pid)
        let fired = status["pendingReminders"] == .number(0) ? count : -1
        print("")
        print("CPU per fired reminder (\(count) due within 1 s, no channel, relanced release build):")
        print(String(format: "  daemon CPU %.3f s (user + system, all threads) for %d firings: %.1f µs each   (target: ≤ 50 µs)",
                     after - before, fired, (after - before) / Double(count) * 1e6))
    }

    /// User plus system CPU time of process `pid` so far, all threads, in seconds
    /// (`/proc/PID/stat` fields 14 and 15, in clock ticks: 10 ms resolution).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return .nan }
        // Fields after "(comm)": state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    // MARK: The SQLite floor (issue #15)

    /// The same rows `Remind` writes, with bare GRDB on a WAL file (`synchronous=NORMAL`)
    /// and one cached INSERT: one transaction per row, and 1 000 rows per transaction.
    /// What relanced can approach at best, with no protocol, no scheduler, no checks.
    static func sqliteFloor(seconds: Int, directory: URL) throws -> (single: Double, batched: Double) {
        let path = directory.appendingPathComponent("floor.sqlite").path
        var configuration = GRDB.Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE reminder (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, text TEXT NOT NULL,
                                       contactId INTEGER, dueAt DOUBLE NOT NULL, fireAt DOUBLE, reason TEXT NOT NULL,
                                       state TEXT NOT NULL);
                CREATE INDEX reminder_pending ON reminder(fireAt) WHERE state = 'pending';
                """)
        }
        let due = Date().addingTimeInterval(30 * 86_400).timeIntervalSince1970
        let sql = "INSERT INTO reminder (kind, text, contactId, dueAt, fireAt, reason, state) VALUES ('custom', ?, NULL, ?, ?, 'set by you', 'pending')"
        func rate(rowsPerTransaction: Int) throws -> Double {
            let begin = ContinuousClock.now
            var written = 0
            while ContinuousClock.now - begin < .seconds(seconds) {
                try pool.write { db in
                    let insert = try db.cachedStatement(sql: sql)
                    for _ in 0..<rowsPerTransaction { try insert.execute(arguments: ["benchmark", due, due]) }
                }
                written += rowsPerTransaction
            }
            return Double(written) / milliseconds(ContinuousClock.now - begin) * 1000
        }
        return (try rate(rowsPerTransaction: 1), try rate(rowsPerTransaction: 1_000))
    }

    // MARK: Maildir at start (issue #13)

    /// The real relanced following a Maildir INBOX of `messages` messages: (1) all of them
    /// came while it was down (a first mbsync of a whole mailbox), so the start reads each
    /// once — start → serving, and start → the newest one (a reply) recorded, which comes
    /// last; (2) a restart with all of them already read (only a directory scan) — start →
    /// serving, then one new reply delivered (tmp/ → new/, as mbsync does) → recorded, at
    /// once (the start-up scan still under way) and once settled.
    static func maildirScan(messages: Int, directory: URL) async throws {
        let inbox = directory.appendingPathComponent("Maildir/INBOX")
        for sub in ["new", "cur", "tmp"] {
            try FileManager.default.createDirectory(at: inbox.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let socket = directory.appendingPathComponent("maildir.sock").path
        let config = directory.appendingPathComponent("maildir.toml").path
        try Data("[mail_watch]\ninbox = \"\(inbox.path)\"\n[desktop]\nenabled = false\n".utf8).write(to: URL(fileURLWithPath: config))
        let database = directory.appendingPathComponent("maildir.sqlite").path
        func startDaemon() throws -> (Process, ContinuousClock.Instant) {
            try BenchDaemon.launch(database: database, socket: socket, config: config)
        }
        func serving() async throws { try await BenchDaemon.waitUntilServing(socket) }
        func raw(_ method: String, _ parameters: [String: JSONValue]) async throws -> [String: JSONValue] {
            try await VarlinkClient.connect(path: socket) { try await $0.call(VarlinkCall(method: method, parameters: parameters)) }
        }
        /// Polls until outreach `id` is replied (a fresh connection each time, as a client would).
        func replied(_ id: Double) async throws {
            while true {
                if case .array(let list)? = try await raw(ListOutreach.qualifiedName, [:])["outreach"],
                   list.contains(where: { if case .object(let o) = $0, o["id"] == .number(id), o["status"] == .string("replied") { true } else { false } }) {
                    return
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        func reply(from sender: String, id: String) -> Data {
            Data("From: \(sender)\r\nTo: sam@example.com\r\nSubject: Re: coffee?\r\nMessage-ID: <\(id)>\r\n\r\nYes!\r\n".utf8)
        }
        func seconds(_ duration: Duration) -> Double { milliseconds(duration) / 1000 }

        // The first start: the folder is followed from then on; two contacts are waited on.
        var (daemon, _) = try startDaemon()
        try await serving()
        var outreach: [Double] = []
        for (name, email) in [("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com"), ("Hedy Lamarr", "hedy@example.com")] {
            guard case .object(let contact)? = try await raw(AddContact.qualifiedName, ["name": .string(name), "emails": .array([.string(email)])])["contact"],
                  case .number(let contactID)? = contact["id"],
                  case .object(let logged)? = try await raw(LogOutreach.qualifiedName, ["contact": .string(String(Int(contactID))), "ask": .string("coffee")])["outreach"],
                  case .number(let outreachID)? = logged["id"] else { print("could not set up the contacts"); return }
            outreach.append(outreachID)
        }
        daemon.terminate()
        daemon.waitUntilExit()

        // While it is down: `messages` messages from strangers (mailing lists, a few KB of
        // headers and text each, read and seen: cur/), then Ada's reply, the newest.
        let padding = String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: 20)
        let writing = ContinuousClock.now
        for index in 0..<messages {
            let text = "Return-Path: <list-\(index % 500)@lists.example.org>\r\nFrom: List \(index % 500) <list-\(index % 500)@lists.example.org>\r\n"
                + "To: sam@example.com\r\nSubject: Digest \(index)\r\nDate: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
                + "Message-ID: <digest-\(index)@lists.example.org>\r\nList-Id: <list-\(index % 500).lists.example.org>\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n\(padding)\r\n"
            try Data(text.utf8).write(to: inbox.appendingPathComponent("cur/1796000000.\(index)_1.bench,U=\(index + 1):2,S"))
        }
        let written = ContinuousClock.now - writing
        try reply(from: "ada@example.com", id: "reply-ada@example.com").write(to: inbox.appendingPathComponent("new/1796000001.1_1.bench"))

        // (1) Start: every message is new to it.
        var started: ContinuousClock.Instant
        (daemon, started) = try startDaemon()
        try await serving()
        let firstServing = ContinuousClock.now - started
        try await replied(outreach[0])
        let firstAllRead = ContinuousClock.now - started
        let firstMemory = residentMemory(pid: daemon.processIdentifier)
        daemon.terminate()
        daemon.waitUntilExit()

        // (2) Restart: all read before; then Grace's reply arrives.
        (daemon, started) = try startDaemon()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        try await serving()
        let secondServing = ContinuousClock.now - started
        /// Delivers a reply as mbsync does (tmp/ → new/) and waits until it is recorded.
        func deliver(from sender: String, name: String, outreach id: Double) async throws -> Duration {
            let temporary = inbox.appendingPathComponent("tmp/" + name)
            try reply(from: sender, id: "reply-\(name)").write(to: temporary)
            let delivered = ContinuousClock.now
            rename(temporary.path, inbox.appendingPathComponent("new/" + name).path)
            try await replied(id)
            return ContinuousClock.now - delivered
        }
        let reaction = try await deliver(from: "grace@example.com", name: "1796000002.1_1.bench", outreach: outreach[1])
        let settledReaction = try await deliver(from: "hedy@example.com", name: "1796000003.1_1.bench", outreach: outreach[2])
        let secondMemory = residentMemory(pid: daemon.processIdentifier)

        print("")
        print(String(format: "relanced following a Maildir INBOX of %d messages (written in %.1f s):", messages, seconds(written)))
        print(String(format: "  all came while down: start → serving %.2f s; start → all read once (the newest, a reply, recorded) %.2f s; memory %.0f MB (peak %.0f MB)",
                     seconds(firstServing), seconds(firstAllRead), firstMemory.current, firstMemory.peak))
        print(String(format: "  all read before: start → serving %.2f s; a reply delivered at once → recorded %.1f ms, once settled %.1f ms; memory %.0f MB (peak %.0f MB)",
                     seconds(secondServing), milliseconds(reaction), milliseconds(settledReaction), secondMemory.current, secondMemory.peak))
    }

    // MARK: Helpers

    // MARK: Idle wake-ups

    /// Context switches of every relanced thread while nothing is due, after it has
    /// served calls and fired a reminder: each is a wake-up (a poll, a heartbeat, a
    /// runtime's periodic timer). Zero is the target; a 1 Hz timer shows as 60.
    static func idleWakeUps(seconds: Int, directory: URL) async throws {
        // No desktop channel (BenchDaemon's default): without a session bus it would
        // retry with back-off, which is work, not idleness.
        let daemon = try await BenchDaemon.start("idle", in: directory)
        defer { daemon.stop() }
        let socket = daemon.socket
        _ = try await call(socket, Remind.self, Remind.Parameters(at: JSONCoding.formatDate(Date().addingTimeInterval(1)), text: "idle benchmark"))
        // The reminder fires, then Dispatch's worker threads wind down (5 s idle).
        try await Task.sleep(for: .seconds(8))
        let pid = daemon.process.processIdentifier
        let before = threadSwitches(pid: pid)
        try await Task.sleep(for: .seconds(seconds))
        let after = threadSwitches(pid: pid)
        // A thread that ended in between woke at least once to end.
        let wakeUps = after.reduce(0) { $0 + $1.value - (before[$1.key] ?? 0) } + before.keys.filter { after[$0] == nil }.count
        print("")
        print("relanced idle for \(seconds) s, after serving calls and firing a reminder:")
        print(String(format: "  wake-ups: %d (%.1f per minute, over %d threads)   (target: 0)",
                     wakeUps, Double(wakeUps) * 60 / Double(seconds), after.count))
    }

    /// Voluntary plus involuntary context switches of each thread of `pid`.
    static func threadSwitches(pid: Int32) -> [Int: Int] {
        let tasks = "/proc/\(pid)/task"
        var switches: [Int: Int] = [:]
        for tid in (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? [] {
            guard let id = Int(tid), let status = try? String(contentsOfFile: "\(tasks)/\(tid)/status", encoding: .utf8) else { continue }
            switches[id] = status.split(separator: "\n")
                .filter { $0.hasPrefix("voluntary_ctxt_switches") || $0.hasPrefix("nonvoluntary_ctxt_switches") }
                .compactMap { Int($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) }
                .reduce(0, +)
        }
        return switches
    }

    /// A relanced from beside this benchmark, on `name`.sqlite, .sock and .toml in
    /// `directory`, serving once `start` returns; `stop` ends it.
    struct BenchDaemon {
        let process: Process
        let socket: String
        let database: String

        static func start(_ name: String, in directory: URL, config: String = "[desktop]\nenabled = false\n") async throws -> BenchDaemon {
            let socket = directory.appendingPathComponent("\(name).sock").path
            let database = directory.appendingPathComponent("\(name).sqlite").path
            let configPath = directory.appendingPathComponent("\(name).toml").path
            _ = FileManager.default.createFile(atPath: configPath, contents: Data(config.utf8))
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("relanced")
            process.arguments = ["--database", database, "--socket", socket,
                                 "--config", configPath, "--log-level", "error"]
            try process.run()
            while (try? await call(socket, Status.self, Empty())) == nil {
                guard process.isRunning else { throw BenchError.daemonEnded(process.terminationStatus) }
                try await Task.sleep(for: .milliseconds(10))
            }
            return BenchDaemon(process: process, socket: socket, database: database)
        }

        func stop() {
            process.terminate()
            process.waitUntilExit()
        }

        /// Starts the release relanced beside this bench on these files, without waiting;
        /// returns it and the instant it was started (for start-up figures).
        static func launch(database: String, socket: String, config: String) throws -> (Process, ContinuousClock.Instant) {
            let daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("relanced")
            daemon.arguments = ["--database", database, "--socket", socket, "--config", config, "--log-level", "error"]
            let started = ContinuousClock.now
            try daemon.run()
            return (daemon, started)
        }

        /// Returns once `socket` answers Status.
        static func waitUntilServing(_ socket: String) async throws {
            while (try? await call(socket, Status.self, Empty())) == nil { try await Task.sleep(for: .milliseconds(2)) }
        }
    }

    enum BenchError: Error { case daemonEnded(Int32), unexpectedReply(String) }

    static func call<M: ControlMethod>(_ socket: String, _ method: M.Type, _ parameters: M.Parameters) async throws -> [String: JSONValue] {
        guard case .object(let fields) = try JSONValue(encoding: parameters) else { return [:] }
        return try await VarlinkClient.connect(path: socket) { try await $0.call(VarlinkCall(method: M.qualifiedName, parameters: fields)) }
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    static func residentMemory(pid: Int32) -> (current: Double, peak: Double) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (.nan, .nan) }
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return .nan }
            return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? .nan) / 1024
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }

    static func stringArgument(_ name: String, in arguments: ArraySlice<String>) -> String? {
        guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return nil }
        return arguments[arguments.index(after: index)]
    }

    static func intArgument(_ name: String, in arguments: ArraySlice<String>) -> Int? {
        guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return nil }
        return Int(arguments[arguments.index(after: index)])
    }

    static func machineDescription() -> String {
        let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), \(ProcessInfo.processInfo.physicalMemory >> 30) GiB"
    }
}
