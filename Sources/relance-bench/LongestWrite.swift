import Foundation
import NIOConcurrencyHelpers
import RelanceAPI
import RelanceCore
import VarlinkProtocol
import VarlinkTransport

extension Bench {
    // MARK: Longest write (issue #14)

    /// How long the largest calls the daemon accepts keep every other writer waiting.
    /// Each call runs at its bound (`ImportLimits`, `ReminderBatch`) while a probe on
    /// another connection creates one reminder after another: the probe's slowest
    /// `Remind` during the call is the time a write waited behind it, measured from the
    /// outside, as a user's `relancectl remind` would feel it.
    static func longestWrite(directory: URL) async throws {
        let daemon = try await BenchDaemon.start("longest", in: directory)
        defer { daemon.stop() }
        let files = try boundFiles(in: directory)

        print("")
        print("longest write: each call at its bound, and the slowest Remind of a probe beside it")
        let workloads: [(label: String, call: VarlinkCall)] = [
            ("ImportContacts, \(ImportLimits.maximumContacts) CSV rows", importCall(ImportContacts.qualifiedName, files.contacts)),
            ("the same again (all merged)", importCall(ImportContacts.qualifiedName, files.contacts)),
            ("ImportEvents, \(ImportLimits.maximumEvents) events", importCall(ImportEvents.qualifiedName, files.events)),
            ("RemindMany, \(ReminderBatch.maximumCount) reminders", remindManyCall()),
        ]
        for (label, call) in workloads { try await measure(label, call, socket: daemon.socket) }
        // Contacts and calendars named together are ONE transaction (issue #12): its write
        // holds the others back for both at once. A store of its own, as the first above.
        let together = try await BenchDaemon.start("longest-together", in: directory)
        defer { together.stop() }
        let file = { (url: URL) in JSONValue.object(["name": .string(url.lastPathComponent), "path": .string(url.path)]) }
        try await measure("Import, both files at their bounds",
                          VarlinkCall(method: Import.qualifiedName, parameters: ["contacts": .array([file(files.contacts)]),
                                                                                 "calendars": .array([file(files.events)])]),
                          socket: together.socket)
    }

    /// Runs `call` while a probe creates reminders beside it; prints both times.
    private static func measure(_ label: String, _ call: VarlinkCall, socket: String) async throws {
        let probe = Probe()
        let probing = Task { try await probe.run(socket: socket) }
        while probe.count < 50 { try await Task.sleep(for: .milliseconds(5)) }  // the probe is warm
        let began = ContinuousClock.now
        let outcome: String
        do {
            _ = try await VarlinkClient.connect(path: socket) { try await $0.call(call) }
            outcome = "ok"
        } catch {
            outcome = "failed: \(error)"
        }
        let took = milliseconds(ContinuousClock.now - began)
        probe.stop()
        _ = try? await probing.value  // its last call, held back by this one, has ended
        let slowest = probe.slowest(since: began)
        print("  " + label.padding(toLength: 40, withPad: " ", startingAt: 0)
              + String(format: "call %7.0f ms   slowest probe Remind %6.0f ms   (%@)", took, slowest, outcome))
    }

    /// A contacts export and a calendar at the import bounds: every event has ten alarms
    /// (the most kept) and every other one repeats weekly ten times.
    private static func boundFiles(in directory: URL) throws -> (contacts: URL, events: URL) {
        var csv = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        for index in 0..<ImportLimits.maximumContacts {
            csv += "Row\(index),Member,https://www.linkedin.com/in/row\(index),row\(index)@example.org,Company \(index % 89),Engineer,07 Dec 2025\n"
        }
        let alarms = (1...10).map { "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER:-PT\($0 * 7)M\r\nEND:VALARM\r\n" }.joined()
        var ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//relance-bench//EN\r\n"
        let first = Date().addingTimeInterval(30 * 86_400)
        for index in 0..<ImportLimits.maximumEvents {
            let start = ICalendarStamp.utc(first.addingTimeInterval(Double(index) * 3_600))
            ics += "BEGIN:VEVENT\r\nUID:event\(index)@bench\r\nDTSTAMP:20261130T000000Z\r\nDTSTART:\(start)\r\nSUMMARY:Meetup \(index)\r\n"
                + (index % 2 == 0 ? "RRULE:FREQ=WEEKLY;COUNT=10\r\n" : "") + alarms + "END:VEVENT\r\n"
        }
        ics += "END:VCALENDAR\r\n"
        let contacts = directory.appendingPathComponent("Connections.csv")
        let events = directory.appendingPathComponent("decade.ics")
        try Data(csv.utf8).write(to: contacts)
        try Data(ics.utf8).write(to: events)
        return (contacts, events)
    }

    private static func importCall(_ method: String, _ file: URL) -> VarlinkCall {
        VarlinkCall(method: method, parameters: ["files": .array([.object(["name": .string(file.lastPathComponent),
                                                                           "path": .string(file.path)])])])
    }

    private static func remindManyCall() -> VarlinkCall {
        let at = JSONValue.string(JSONCoding.formatDate(Date().addingTimeInterval(60 * 86_400)))
        let item = JSONValue.object(["at": at, "text": .string("bound")])
        return VarlinkCall(method: RemindMany.qualifiedName,
                           parameters: ["reminders": .array(Array(repeating: item, count: ReminderBatch.maximumCount))])
    }

    /// One `Remind` after another on its own connection, each timed.
    final class Probe: Sendable {
        private let samples = NIOLockedValueBox<[(began: ContinuousClock.Instant, milliseconds: Double)]>([])
        private let stopped = NIOLockedValueBox(false)

        var count: Int { samples.withLockedValue { $0.count } }
        func stop() { stopped.withLockedValue { $0 = true } }

        /// The slowest call that was still running at or after `instant`.
        func slowest(since instant: ContinuousClock.Instant) -> Double {
            samples.withLockedValue { list in
                list.filter { $0.began + .milliseconds(Int64($0.milliseconds)) >= instant }.map(\.milliseconds).max() ?? 0
            }
        }

        func run(socket: String) async throws {
            let at = JSONValue.string(JSONCoding.formatDate(Date().addingTimeInterval(90 * 86_400)))
            let remind = VarlinkCall(method: Remind.qualifiedName, parameters: ["at": at, "text": .string("probe")])
            try await VarlinkClient.connect(path: socket) { connection in
                while !stopped.withLockedValue({ $0 }) {
                    let began = ContinuousClock.now
                    _ = try await connection.call(remind)
                    let took = milliseconds(ContinuousClock.now - began)
                    samples.withLockedValue { $0.append((began, took)) }
                }
            }
        }
    }
}

/// `20261230T180000Z`, the UTC form iCalendar takes.
enum ICalendarStamp {
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }
}
