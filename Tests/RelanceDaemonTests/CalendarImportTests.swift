import Foundation
import RelanceAPI
import RelanceCore
@testable import RelanceDaemon
import RelanceStore
import RelanceTestKit
import Testing
import VarlinkProtocol

/// `ImportEvents` as a calendar client would (issue #12), on an in-memory store with the
/// clock injected: changed occurrences, newer versions, cancellations, all or nothing.
@Suite struct CalendarImportTests {
    let clock = ManualClock("2026-12-01T09:00:00Z")
    let paris = TimeZone(identifier: "Europe/Paris")!
    var rules: TimingRules {
        var rules = TimingRules(userZone: paris, eventReminders: [ISODuration(hours: 2)], eventLogPeople: false)
        rules.window.isEnabled = false
        return rules
    }

    func service() throws -> InterchangeService {
        let store = try AppDatabase.inMemory()
        return InterchangeService(store: store, events: EventPlanner(store: store), clock: clock)
    }

    /// A weekly Thursday meetup from 10 Dec 2026 at `at`, its 10 Dec occurrence moved to
    /// Friday 11 Dec 20:00 (RECURRENCE-ID at `at`).
    func calendar(sequence: Int = 0, at: String = "190000", status: String = "CONFIRMED", extra: String = "") -> String {
        """
        BEGIN:VCALENDAR
        VERSION:2.0
        PRODID:-//Google Inc//Google Calendar 70.9054//EN
        BEGIN:VEVENT
        UID:weekly@google.com
        DTSTAMP:20261130T000000Z
        SEQUENCE:\(sequence)
        STATUS:\(status)
        SUMMARY:Founders meetup
        DTSTART;TZID=Europe/Paris:20261210T\(at)
        DURATION:PT2H
        RRULE:FREQ=WEEKLY;COUNT=5
        END:VEVENT
        BEGIN:VEVENT
        UID:weekly@google.com
        DTSTAMP:20261130T000000Z
        RECURRENCE-ID;TZID=Europe/Paris:20261210T\(at)
        SUMMARY:Founders meetup
        LOCATION:Le Wagon
        DTSTART;TZID=Europe/Paris:20261211T200000
        DURATION:PT2H
        END:VEVENT
        \(extra)END:VCALENDAR

        """.replacingOccurrences(of: "\n", with: "\r\n")
    }

    func run(_ interchange: InterchangeService, _ text: String) throws -> ImportReportInfo {
        try interchange.importEvents(ImportEvents.Parameters(files: [ImportFileInfo(name: "founders.ics", content: text)]), rules: rules).0
    }

    /// Pending reminders as "fire time (Paris) | text" (one, two hours before each occurrence).
    func pending(_ interchange: InterchangeService) throws -> [String] {
        try interchange.store.upcoming(limit: 50).map { "\(LocalDateTime($0.fireAt, in: paris)) | \($0.text)" }
    }

    @Test func aMovedOccurrenceIsRemindedAtItsNewTimeAndAReimportChangesNothing() throws {
        let interchange = try service()
        let report = try run(interchange, calendar())
        #expect((report.added, report.merged, report.skipped) == (2, 0, 0))
        let reminders = try pending(interchange)
        #expect(reminders == [
            "2026-12-11T18:00:00 | Founders meetup: Fri 11 Dec 20:00 at Le Wagon",
            "2026-12-17T17:00:00 | Founders meetup: Thu 17 Dec 19:00",
            "2026-12-24T17:00:00 | Founders meetup: Thu 24 Dec 19:00",
        ])
        let again = try run(interchange, calendar())
        #expect((again.added, again.merged, again.skipped) == (0, 0, 2))
        #expect(try pending(interchange) == reminders)
        // A fresh export (a later DTSTAMP, nothing else changed) keeps every reminder as it is.
        let ids = try interchange.store.upcoming(limit: 50).map(\.id)
        let fresh = try run(interchange, calendar().replacingOccurrences(of: "DTSTAMP:20261130", with: "DTSTAMP:20261201"))
        #expect((fresh.added, fresh.merged, fresh.skipped) == (0, 0, 2))
        #expect(fresh.lines.allSatisfy { $0.contains("changes nothing") }, "\(fresh.lines)")
        #expect(try interchange.store.upcoming(limit: 50).map(\.id) == ids)
    }

    @Test func aHigherSequenceMovesTheSeriesAndReplansItsPendingRemindersThenACancellationRemovesIt() throws {
        let interchange = try service()
        _ = try run(interchange, calendar())
        let update = try run(interchange, calendar(sequence: 1, at: "193000"))
        #expect((update.added, update.merged) == (1, 1))  // the change, re-keyed to 19:30, replaces the old one
        #expect(try pending(interchange) == [
            "2026-12-11T18:00:00 | Founders meetup: Fri 11 Dec 20:00 at Le Wagon",
            "2026-12-17T17:30:00 | Founders meetup: Thu 17 Dec 19:30",
            "2026-12-24T17:30:00 | Founders meetup: Thu 24 Dec 19:30",
        ])
        #expect(try interchange.store.events().count == 2)
        let cancel = try run(interchange, calendar(sequence: 2, at: "193000", status: "CANCELLED"))
        #expect((cancel.added, cancel.merged, cancel.skipped) == (0, 1, 1))
        #expect(try pending(interchange).isEmpty && interchange.store.events().isEmpty)
    }

    @Test func oneRejectedEventImportsNothingAndTheReportListsEveryEvent() throws {
        let interchange = try service()
        let broken = "BEGIN:VEVENT\nUID:broken@x\nDTSTAMP:20261130T000000Z\nSUMMARY:Oops\nDTSTART:20261215T190000Z\nDTEND:20261215T180000Z\nEND:VEVENT\n"
        #expect {
            try run(interchange, calendar(extra: broken))
        } throws: { error in
            guard let error = error as? VarlinkError, let report = error.parameters["report"] else { return false }
            let text = "\(report)"
            return text.contains("founders.ics:23") && text.contains("ends before it starts")
        }
        #expect(try interchange.store.events().isEmpty && pending(interchange).isEmpty)
    }
}
