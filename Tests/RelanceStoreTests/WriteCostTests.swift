import Foundation
import GRDB
import RelanceCore
@testable import RelanceStore
import Testing

/// What one write costs the file (issue #15): the pages a reminder adds to the WAL, the
/// indexes it goes into, and checkpoints kept off the writer with the log bounded.
@Suite struct WriteCostTests {
    func temporaryPath() -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("relance-\(UUID())")
        return (directory.appendingPathComponent("relance.sqlite").path, directory)
    }

    @Test func aReminderTheUserSetsGoesIntoOnlyThePendingIndex() throws {
        // Given a reminder with no contact, outreach, snoozed item or event
        let db = try AppDatabase.inMemory()
        _ = try db.addReminder(text: "Call the bakery", dueAt: Date(timeIntervalSince1970: 1_900_000_000), contactID: nil)
        // Then every index on reminder but the pending one is partial on its column being set,
        // and none of them holds an entry for it
        let indexes = try db.writer.read { db in
            try Row.fetchAll(db, sql: "PRAGMA index_list(reminder)").map { ($0["name"] as String, $0["partial"] as Int) }
        }
        #expect(Set(indexes.map(\.0)) == ["reminder_pending", "reminder_on_contactId", "reminder_on_outreachId",
                                          "reminder_on_resurfacesInboxId", "reminder_event"])
        #expect(indexes.allSatisfy { $0.1 == 1 })
        for (index, column) in [("reminder_on_contactId", "contactId"), ("reminder_on_outreachId", "outreachId"),
                                ("reminder_on_resurfacesInboxId", "resurfacesInboxId"), ("reminder_event", "eventId")] {
            let entries = try db.writer.read { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM reminder INDEXED BY \(index) WHERE \(column) IS NOT NULL")
            }
            #expect(entries == 0, "\(index)")
        }
    }

    @Test(arguments: [
        ("SELECT id FROM reminder WHERE contactId = ? AND kind = 'keep_in_touch'", "reminder_on_contactId"),
        ("SELECT id FROM reminder WHERE outreachId = ? AND state = 'pending'", "reminder_on_outreachId"),
        ("SELECT id FROM reminder WHERE resurfacesInboxId = ? AND state = 'pending'", "reminder_on_resurfacesInboxId"),
        ("SELECT DISTINCT anchorAt FROM reminder WHERE eventId = ?", "reminder_event"),
        ("SELECT id FROM reminder WHERE contactId = ? OR outreachId IN (SELECT value FROM json_each(?))", "reminder_on_outreachId"),
        ("SELECT id FROM reminder WHERE resurfacesInboxId IN (SELECT value FROM json_each(?))", "reminder_on_resurfacesInboxId"),
    ])
    func theLookUpsStillUseThePartialIndexes(_ sql: String, _ index: String) throws {
        let db = try AppDatabase.inMemory()
        let plan = try db.writer.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(Array(repeating: 1, count: sql.filter { $0 == "?" }.count)))
                .map { $0["detail"] as String }.joined(separator: "\n")
        }
        #expect(plan.contains("USING INDEX \(index)") || plan.contains("USING COVERING INDEX \(index)"), "\(plan)")
    }

    @Test func theWriterNeverCheckpointsAndTheLogStaysBounded() throws {
        // Given a file whose log asks for a checkpoint at 40 pages
        let (path, directory) = temporaryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = try AppDatabase.open(path: path, checkpointPages: 40)
        let checkpointer = try #require(db.checkpointer)
        // Then the writer's own automatic checkpoint is off
        #expect(try db.writer.write { try Int.fetchOne($0, sql: "PRAGMA wal_autocheckpoint") } == 0)

        // When 600 reminders are set one transaction each (three pages or more each,
        // well over a thousand in all), the background job given the time to run once asked
        func remind(_ range: Range<Int>) throws {
            for index in range {
                _ = try db.addReminder(text: "reminder \(index)", dueAt: Date(timeIntervalSince1970: 1_900_000_000 + Double(index)), contactID: nil)
                checkpointer.settle()
            }
        }
        try remind(0..<50)  // past the migrations' own burst
        _ = checkpointer.takeLargestLog()
        try remind(50..<600)
        // Then checkpoints ran in the background, and the log never held much more than
        // the threshold after a commit: it starts over once checkpointed
        #expect(checkpointer.count >= 10)
        let largest = checkpointer.takeLargestLog()
        #expect(largest >= 40 && largest <= 40 + 10, "the log held up to \(largest) pages; last checkpoint \(checkpointer.last)")
        // and the file itself stays small (without checkpoints: 1 900 frames)
        #expect(Self.walFrames(path) <= 200, "\(Self.walFrames(path)) frames")
        #expect(try db.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM reminder") } == 600)
    }

    @Test func checkpointsAreAskedForOncePerThresholdOfPagesNotAfterEveryCommit() {
        // Given a checkpointer asking at 100 pages (on no file: the checkpoints themselves do nothing)
        let checkpointer = WALCheckpointer(path: "/nonexistent/relance.sqlite", threshold: 100)
        func commit(_ pages: Int32) { checkpointer.committed(logPages: pages); checkpointer.settle() }
        // When commits leave the log under the threshold, nothing is asked
        for pages: Int32 in [10, 50, 99] { commit(pages) }
        #expect(checkpointer.requests == 0)
        // When the log reaches it, once; then again only 100 pages later
        for pages: Int32 in [100, 120, 150, 199] { commit(pages) }
        #expect(checkpointer.requests == 1)
        commit(200)
        #expect(checkpointer.requests == 2)
        // When the log has started over, from the threshold again
        for pages: Int32 in [5, 60, 100] { commit(pages) }
        #expect(checkpointer.requests == 3)
        // When a burst left it four times the threshold, after every commit until caught up
        for pages: Int32 in [400, 401, 402] { commit(pages) }
        #expect(checkpointer.requests == 6)
    }

    /// Frames in the WAL file: its size past the 32-byte header over (24 + page size).
    static func walFrames(_ path: String) -> Int {
        let size = ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0
        return max(0, size - 32) / (24 + 4096)
    }
}
