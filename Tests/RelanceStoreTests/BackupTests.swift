import Foundation
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

@Suite struct BackupTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    let now = instant("2026-11-12T09:00:00Z")

    func populated() throws -> AppDatabase {
        let db = try AppDatabase.inMemory()
        let rules = TimingRules(userZone: paris)
        let (ada, _) = try db.addContact(ContactDraft(name: "Émilie du Châtelet", emails: ["emilie@example.com"],
                                                      handles: ["linkedin": "https://www.linkedin.com/in/emilie"],
                                                      tags: ["physics"], keepInTouch: .businessDays(60)), now: now, rules: rules)
        let (outreach, _, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: now.addingTimeInterval(0.123),
                                                  policy: .standard, rules: rules)
        _ = try db.recordReply(outreachID: outreach.id, outcome: .meeting, at: now,
                               meeting: MeetingDraft(contactID: ada.id, startsAt: now.addingTimeInterval(86_400 * 3), place: "Café Olimpico"),
                               rules: rules, now: now)
        _ = try db.addEvent(EventDraft(uid: "drinks@relance", title: "Startup drinks", start: LocalDateTime("2026-12-10T19:00")!,
                                       timeZone: "Europe/Paris", duration: 7200, recurrence: EventRecurrence(rrule: "FREQ=WEEKLY")),
                            rules: rules, now: now)
        let (reminder, _) = try db.addReminder(text: "Call the bakery", dueAt: now, contactID: nil)
        _ = try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: now)], at: now, late: false, rules: rules, channels: ["desktop", "mail"])
        return db
    }

    func withoutCreatedAt(_ data: Data) throws -> NSDictionary {
        var document = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        document["createdAt"] = nil
        return document as NSDictionary
    }

    @Test func aRestoredBackupBacksUpTheSame() throws {
        let original = try populated()
        let first = try original.snapshot(createdAt: now)
        let fresh = try AppDatabase.inMemory()
        try fresh.restore(first, force: false)
        let second = try fresh.snapshot(createdAt: now.addingTimeInterval(60))
        #expect(try withoutCreatedAt(first) == withoutCreatedAt(second))
        #expect(try fresh.contacts().map(\.name) == ["Émilie du Châtelet"])
        #expect(try fresh.pendingDeadlines() == original.pendingDeadlines())
    }

    @Test func restoreRefusesANonEmptyStoreWithoutForceAndChangesNothing() throws {
        let db = try populated()
        let before = try db.snapshot(createdAt: now)
        let other = try AppDatabase.inMemory()
        _ = try other.addContact(ContactDraft(name: "Grace Hopper"), now: now)
        #expect(throws: RestoreError.self) { try other.restore(before, force: false) }
        #expect(try other.contacts().map(\.name) == ["Grace Hopper"])
        try other.restore(before, force: true)
        #expect(try other.contacts().map(\.name) == ["Émilie du Châtelet"])
    }

    @Test func aBrokenBackupChangesNothing() throws {
        let db = try populated()
        let before = try db.snapshot(createdAt: now)
        var document = try #require(JSONSerialization.jsonObject(with: before) as? [String: Any])
        var tables = try #require(document["tables"] as? [String: Any])
        tables["reminder"] = [["id": 1, "nonsense": 2] as [String: Any]]
        document["tables"] = tables
        let broken = try JSONSerialization.data(withJSONObject: document)
        #expect(throws: RestoreError.self) { try db.restore(broken, force: true) }
        #expect(try withoutCreatedAt(db.snapshot(createdAt: now)) == withoutCreatedAt(before))
        #expect(throws: RestoreError.self) { try db.restore(Data("{}".utf8), force: true) }
    }
}
