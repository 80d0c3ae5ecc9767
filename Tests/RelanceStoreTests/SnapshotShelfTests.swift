import Foundation
import GRDB
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

/// Automatic snapshots: VACUUM INTO a directory, listing, retention, restore.
@Suite struct SnapshotShelfTests {
    let now = instant("2026-11-12T09:00:00Z")

    func withShelf(keepDays: Int = 14, _ body: (AppDatabase, SnapshotShelf, String) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("relance-shelf-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let db = try AppDatabase.open(path: root + "/relance.sqlite")
        let shelf = SnapshotShelf(database: db, directory: root + "/snapshots", keepDays: { keepDays })
        try body(db, shelf, root)
    }

    @Test func aSnapshotRestoresTheStateItWasTakenOf() throws {
        try withShelf { db, shelf, _ in
            let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
            let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"]), now: now, rules: rules)
            _ = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: now, policy: .standard, rules: rules)
            let before = try db.snapshot(createdAt: now)
            let pending = try db.pendingDeadlines()
            let entry = try shelf.take(reason: "remove-contact", now: now)
            #expect(entry.id == "20261112-090000-remove-contact")
            #expect(entry.reason == "remove-contact" && entry.takenAt == now && entry.size > 0)

            _ = try db.removeContact(id: ada.id, force: true)
            #expect(try db.contacts().isEmpty)
            try shelf.restore(id: entry.id)
            #expect(try db.snapshot(createdAt: now) == before)
            #expect(try db.pendingDeadlines() == pending)
            #expect(!pending.isEmpty)
        }
    }

    @Test func listIsNewestFirstAndIdsInTheSameSecondStayUnique() throws {
        try withShelf { _, shelf, _ in
            let first = try shelf.take(reason: "daily", now: now)
            let second = try shelf.take(reason: "daily", now: now)
            #expect(first.id != second.id)
            let third = try shelf.take(reason: "restore", now: now.addingTimeInterval(3600))
            #expect(shelf.list().map(\.id) == [third.id, second.id, first.id])
        }
    }

    @Test func snapshotsOlderThanTheRetentionAreDeleted() throws {
        try withShelf(keepDays: 2) { _, shelf, _ in
            let old = try shelf.take(reason: "daily", now: now)
            let recent = try shelf.take(reason: "daily", now: now.addingTimeInterval(86_400))
            let latest = try shelf.take(reason: "merge-contacts", now: now.addingTimeInterval(86_400 * 2 + 1))
            #expect(shelf.list().map(\.id) == [latest.id, recent.id])
            #expect(throws: SnapshotError.notFound(id: old.id)) { try shelf.snapshot(id: old.id) }
        }
    }

    @Test func aDailySnapshotOnlyWhenTheNewestIsADayOld() throws {
        try withShelf { _, shelf, _ in
            let first = try shelf.takeDailyIfDue(now: now)
            let sameDay = try shelf.takeDailyIfDue(now: now.addingTimeInterval(86_399))
            let nextDay = try shelf.takeDailyIfDue(now: now.addingTimeInterval(86_400))
            #expect(first != nil && sameDay == nil)
            #expect(nextDay?.reason == "daily")
        }
    }

    @Test func anIdIsNeverAPath() throws {
        try withShelf { _, shelf, root in
            _ = FileManager.default.createFile(atPath: root + "/20261112-090000-x.sqlite", contents: Data("x".utf8))
            for id in ["../20261112-090000-x", "20261112-090000-x/../../relance", "nope", ""] {
                #expect(throws: SnapshotError.notFound(id: id)) { try shelf.snapshot(id: id) }
            }
        }
    }

    @Test func aSnapshotThatIsNotADatabaseChangesNothing() throws {
        try withShelf { db, shelf, _ in
            _ = try db.addContact(ContactDraft(name: "Grace Hopper"), now: now)
            try FileManager.default.createDirectory(atPath: shelf.directory, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: shelf.directory + "/20261112-090000-daily.sqlite", contents: Data("garbage".utf8))
            #expect(throws: RestoreError.self) { try shelf.restore(id: "20261112-090000-daily") }
            #expect(try db.contacts().map(\.name) == ["Grace Hopper"])
        }
    }
}
