import Foundation
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

/// Catch-up that does not flood (issue #10): after downtime, or for a back-dated
/// outreach, each rule fires once, for its latest due step; earlier steps are recorded
/// as skipped, never delivered.
@Suite struct CatchUpTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    var rules: TimingRules { TimingRules(userZone: paris) }
    /// Thursday 12 Nov 2026, 10:00 in Paris.
    let sent = instant("2026-11-12T09:00:00Z")

    @Test func aBackDatedOutreachWhoseWholeSequencePassedGivesOnlyItsLatestStep() throws {
        let db = try AppDatabase.inMemory()
        let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace"), now: sent)
        let (outreach, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                                      policy: .standard, rules: rules)
        let now = sent.addingTimeInterval(90 * 86_400)  // 7bd + 10bd + 10bd have all passed

        let firing = try db.fireDue(at: now, late: true, rules: rules)

        #expect(firing.items.count == 1)
        let item = try #require(firing.items.first)
        #expect(item.kind == .letGo && item.late)
        #expect(try db.outreach(id: outreach.id).status == .noReply)
        #expect(try db.reminder(id: try #require(first).id)?.state == .skipped)
        #expect(try db.inbox(.all).count == 1)
        #expect(try db.upcoming(limit: 10).isEmpty)
    }

    @Test func whenOnlyTheFirstNudgePassedItFiresAndTheNextWaits() throws {
        let db = try AppDatabase.inMemory()
        let (ada, _) = try db.addContact(ContactDraft(name: "Ada Lovelace"), now: sent)
        let (_, first, _) = try db.logOutreach(contactID: ada.id, channel: "email", ask: "advice", sentAt: sent,
                                               policy: .standard, rules: rules)
        let now = try #require(first).fireAt.addingTimeInterval(86_400)

        let firing = try db.fireDue(at: now, late: true, rules: rules)

        #expect(firing.items.map(\.kind) == [.followUp])
        #expect(firing.items.first?.reminderID == first?.id)
        let next = try #require(try db.upcoming(limit: 10).first)
        #expect(next.kind == .followUp && next.fireAt > now)
    }

    @Test func sixMissedKeepInTouchCadencesGiveOneReminderAndTheNextCountsFromNow() throws {
        let db = try AppDatabase.inMemory()
        let (grace, _) = try db.addContact(ContactDraft(name: "Grace Hopper", keepInTouch: .duration(ISODuration(days: 30))),
                                           now: sent, rules: rules)
        let first = try #require(try db.upcoming(limit: 1).first)
        #expect(first.kind == .keepInTouch && first.contactID == grace.id)
        let now = first.fireAt.addingTimeInterval(6 * 30 * 86_400)  // six cadences missed

        let firing = try db.fireDue(at: now, late: true, rules: rules)

        #expect(firing.items.count == 1 && firing.items.first?.kind == .keepInTouch)
        let next = try #require(try db.upcoming(limit: 10).first)
        #expect(next.kind == .keepInTouch)
        #expect(next.dueAt >= now.addingTimeInterval(29 * 86_400) && next.dueAt <= now.addingTimeInterval(31 * 86_400))
        // Firing again at the same instant gives nothing more.
        #expect(try db.fireDue(at: now, late: true, rules: rules).items.isEmpty)
    }
}
