import Dispatch
import Foundation
import GRDB
import GRDBSQLite
@testable import RelanceStore
import Testing

/// `AppDatabase.withoutWaiting` (issue #15): a short control call tries its write on the
/// connection's event loop and, when another write holds the writer, is refused before
/// anything is written, so it can run again on a store thread.
@Suite struct WithoutWaitingTests {
    let due = Date(timeIntervalSince1970: 1_900_000_000)

    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("relance-\(UUID())/relance.sqlite").path
    }

    @Test func aFreeWriterWritesAtOnce() throws {
        let db = try AppDatabase.inMemory()
        let (reminder, _) = try AppDatabase.withoutWaiting {
            try db.addReminder(text: "Call the bakery", dueAt: due, contactID: nil)
        }
        #expect(try db.upcoming(limit: 10).map(\.id) == [reminder.id])
    }

    @Test func aWriteInProgressInThisProcessRefusesTheAttemptAndNothingIsWritten() throws {
        let db = try AppDatabase.open(path: temporaryPath())
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        // Given another write holding the writer (an import, a burst of firings)
        DispatchQueue(label: "holder").async {
            try? db.writer.write { _ in
                holding.signal()
                release.wait()
            }
            done.signal()
        }
        holding.wait()
        // Then the attempt is refused, and it wrote nothing
        #expect(throws: AppDatabase.WriterBusy.self) {
            try AppDatabase.withoutWaiting { try db.addReminder(text: "Call the bakery", dueAt: due, contactID: nil) }
        }
        release.signal()
        done.wait()
        #expect(try db.upcoming(limit: 10).isEmpty)
        // And once the writer is free the same call writes
        _ = try AppDatabase.withoutWaiting { try db.addReminder(text: "Call the bakery", dueAt: due, contactID: nil) }
        #expect(try db.upcoming(limit: 10).count == 1)
    }

    @Test func anotherProcessHoldingTheFileLockRefusesTheAttemptInsteadOfWaitingForIt() throws {
        let path = temporaryPath()
        let db = try AppDatabase.open(path: path)
        // Given another connection (as an `sqlite3` shell would) holding the write lock, and
        // letting it go 4.5 s later: a write that waited (the busy timeout is five) would
        // succeed then (the margin is for a loaded machine to reach the attempt first)
        var other: OpaquePointer?
        #expect(sqlite3_open(path, &other) == SQLITE_OK)
        #expect(sqlite3_exec(other, "BEGIN IMMEDIATE", nil, nil, nil) == SQLITE_OK)
        let released = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let connection = other
        DispatchQueue(label: "other").asyncAfter(deadline: .now() + 4.5) {
            sqlite3_exec(connection, "ROLLBACK", nil, nil, nil)
            sqlite3_close(connection)
            released.signal()
        }
        // Then the attempt is refused rather than held
        #expect(throws: AppDatabase.WriterBusy.self) {
            try AppDatabase.withoutWaiting { try db.addReminder(text: "Call the bakery", dueAt: due, contactID: nil) }
        }
        released.wait()
        // And the connection's usual busy timeout is back for the writes that may wait
        _ = try db.addReminder(text: "Call the bakery", dueAt: due, contactID: nil)
        #expect(try db.upcoming(limit: 10).count == 1)
        let timeout = try db.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA busy_timeout") }
        #expect(timeout == Int(AppDatabase.busyTimeoutMilliseconds))
    }

    @Test func onlyTheFirstWriteMayBeRefused() throws {
        let db = try AppDatabase.open(path: temporaryPath())
        let holding = DispatchSemaphore(value: 0)
        // A call that writes twice, with another write taking the writer between its two:
        // the second waits for it, as usual (the first committed, so refusing the second
        // would leave the call half done)
        try AppDatabase.withoutWaiting {
            _ = try db.addReminder(text: "first", dueAt: due, contactID: nil)
            DispatchQueue(label: "holder").async {
                try? db.writer.write { _ in
                    holding.signal()
                    Thread.sleep(forTimeInterval: 0.5)
                }
            }
            holding.wait()
            _ = try db.addReminder(text: "second", dueAt: due, contactID: nil)
        }
        #expect(try db.upcoming(limit: 10).map(\.text) == ["first", "second"])
    }
}
