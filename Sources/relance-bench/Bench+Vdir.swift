import Foundation
import RelanceAPI
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

extension Bench {
    // MARK: A vdir at start and live (issue #12)

    /// The real relanced following a calendar vdir of `events` files (one event each, as
    /// vdirsyncer keeps them) and publishing to another: (1) all of them came while it
    /// was down (a first `vdirsyncer sync` of a whole calendar) — start → serving, and
    /// start → every file applied; (2) a restart with all of them applied before — start →
    /// serving, then one file replaced by a newer version (temporary file, then rename, as
    /// vdirsyncer writes) → applied, and a meeting added → its file in the published vdir.
    /// Progress is read from the daemon's database (the files it has applied), not through
    /// the control socket, so watching does not slow it.
    static func vdirSync(events: Int, directory: URL) async throws {
        guard events > 0 else { return print("--vdir-events must be at least 1") }
        let calendar = directory.appendingPathComponent("vdirs/calendars/work")
        let published = directory.appendingPathComponent("vdirs/calendars/relance")
        try FileManager.default.createDirectory(at: calendar, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: published, withIntermediateDirectories: true)
        let socket = directory.appendingPathComponent("vdir.sock").path
        let config = directory.appendingPathComponent("vdir.toml").path
        try Data("""
            [sync]
            calendars = ["\(calendar.path)"]
            publish = "\(published.path)"
            [desktop]
            enabled = false

            """.utf8).write(to: URL(fileURLWithPath: config))
        let database = directory.appendingPathComponent("vdir.sqlite").path
        func startDaemon() throws -> (Process, ContinuousClock.Instant) {
            try BenchDaemon.launch(database: database, socket: socket, config: config)
        }
        func serving() async throws { try await BenchDaemon.waitUntilServing(socket) }
        func seconds(_ duration: Duration) -> Double { milliseconds(duration) / 1000 }
        /// One event a day from a week on, 19:00 in Paris; every tenth weekly for ten weeks.
        func item(_ index: Int, sequence: Int = 0, title: String? = nil) -> String {
            let day = Date().addingTimeInterval(Double(7 + index % 700) * 86_400)
            let date = day.formatted(.iso8601.year().month().day().dateSeparator(.omitted))
            let rule = index % 10 == 0 ? "RRULE:FREQ=WEEKLY;COUNT=10\r\n" : ""
            return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Radicale//NONSGML Radicale Server//EN\r\nBEGIN:VEVENT\r\n"
                + "UID:bench-\(index)@example.com\r\nDTSTAMP:20261130T000000Z\r\nSEQUENCE:\(sequence)\r\n"
                + "SUMMARY:\(title ?? "Meetup \(index)")\r\nLOCATION:Station F\\, Paris\r\n"
                + "DTSTART;TZID=Europe/Paris:\(date)T190000\r\nDURATION:PT2H\r\n\(rule)END:VEVENT\r\nEND:VCALENDAR\r\n"
        }
        func stamp(_ path: String) -> String? {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return "\(Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))-\(info.st_size)"
        }

        // The first start creates the database; the calendar is empty.
        var (daemon, _) = try startDaemon()
        try await serving()
        daemon.terminate()
        daemon.waitUntilExit()
        let store = try AppDatabase.open(path: database)

        // While it is down: `events` files, as a first sync of a whole calendar writes them.
        let writing = ContinuousClock.now
        for index in 0..<events {
            try Data(item(index).utf8).write(to: calendar.appendingPathComponent("bench-\(index).ics"))
        }
        let written = ContinuousClock.now - writing

        // (1) Start: every file is new to it.
        var started: ContinuousClock.Instant
        (daemon, started) = try startDaemon()
        try await serving()
        let firstServing = ContinuousClock.now - started
        while try store.syncedFiles(.calendar, in: calendar.path).count < events { try await Task.sleep(for: .milliseconds(20)) }
        let firstAllApplied = ContinuousClock.now - started
        let firstMemory = residentMemory(pid: daemon.processIdentifier)
        daemon.terminate()
        daemon.waitUntilExit()

        // (2) Restart: all applied before.
        (daemon, started) = try startDaemon()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        try await serving()
        let secondServing = ContinuousClock.now - started
        // One event moved on the server: a newer version, written beside and renamed.
        let moved = min(4242, events - 1)
        let target = calendar.appendingPathComponent("bench-\(moved).ics").path
        let temporary = calendar.appendingPathComponent(".bench-\(moved).ics.tmp")
        try Data(item(moved, sequence: 1, title: "Moved meetup").utf8).write(to: temporary)
        let changed = ContinuousClock.now
        rename(temporary.path, target)
        let expected = stamp(target)
        while try store.syncedStamp(path: target) != expected { try await Task.sleep(for: .milliseconds(1)) }
        let reaction = ContinuousClock.now - changed
        // A meeting added in Relance: its file in the published vdir.
        let contact = try await VarlinkClient.connect(path: socket) {
            try await $0.call(VarlinkCall(method: AddContact.qualifiedName, parameters: ["name": .string("Ada Lovelace")]))
        }
        guard case .object(let fields)? = contact["contact"], case .number(let id)? = fields["id"] else { return print("no contact") }
        let adding = ContinuousClock.now
        _ = try await VarlinkClient.connect(path: socket) {
            try await $0.call(VarlinkCall(method: AddMeeting.qualifiedName, parameters: [
                "contact": .string(String(Int(id))), "at": .string("2027-01-05T10:00:00Z"), "place": .string("Café Olimpico")]))
        }
        while !((try? FileManager.default.contentsOfDirectory(atPath: published.path)) ?? []).contains(where: { $0.hasPrefix("relance-meeting-") }) {
            try await Task.sleep(for: .milliseconds(1))
        }
        let publishing = ContinuousClock.now - adding
        let secondMemory = residentMemory(pid: daemon.processIdentifier)

        print("")
        print(String(format: "relanced following a calendar vdir of %d files (written in %.1f s):", events, seconds(written)))
        print(String(format: "  all came while down: start → serving %.2f s; start → every file applied %.1f s (%.0f files/s); memory %.0f MB (peak %.0f MB)",
                     seconds(firstServing), seconds(firstAllApplied), Double(events) / seconds(firstAllApplied), firstMemory.current, firstMemory.peak))
        print(String(format: "  all applied before: start → serving %.2f s; one file renamed into place → applied %.1f ms; a meeting added → its file published %.0f ms (up to 1 s of gathering included); memory %.0f MB (peak %.0f MB)",
                     seconds(secondServing), milliseconds(reaction), milliseconds(publishing), secondMemory.current, secondMemory.peak))
    }
}
