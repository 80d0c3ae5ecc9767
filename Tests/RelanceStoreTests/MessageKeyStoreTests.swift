import Foundation
import RelanceCore
@testable import RelanceStore
import RelanceTestKit
import Testing

/// Message-IDs that are globally unique (RFC 5322 §3.6.4) and a comeback that is a new mail.
@Suite("Mail identity in the store")
struct MessageKeyStoreTests {
    let t0 = instant("2026-11-12T09:00:00Z")
    var rules: TimingRules {
        var rules = TimingRules(userZone: TimeZone(identifier: "UTC")!)
        rules.window.isEnabled = false
        return rules
    }

    @Test func everyStoreHasItsOwnNamespaceARestoreANewOne() throws {
        let first = try AppDatabase.inMemory(), second = try AppDatabase.inMemory()
        let namespace = try first.messageNamespace()
        #expect(namespace.count == 16 && namespace.allSatisfy(\.isHexDigit))
        #expect(try second.messageNamespace() != namespace)
        #expect(try first.messageNamespace() == namespace, "read again, the same")
        try first.restore(try second.snapshot(createdAt: t0), force: true)
        #expect(try first.messageNamespace() != namespace, "restored ids must not reuse sent Message-IDs")
    }

    @Test func aRetryKeepsItsKeyAComebackGetsANewOneThatRefersToTheFirst() throws {
        let db = try AppDatabase.inMemory()
        let (reminder, _) = try db.addReminder(text: "Call the bakery", dueAt: t0, contactID: nil)
        let item = try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: t0)], at: t0, late: false,
                                  rules: rules, channels: ["mail"]).items[0]
        let first = try #require(try db.dueDeliveries(at: t0).first)
        let namespace = try db.messageNamespace()
        #expect(first.deliveryKey == "\(namespace).inbox-\(item.id)")
        #expect(first.firstDeliveryKey == nil)
        try db.deliveryFailed(id: first.id, at: t0, error: "down", retryAt: t0)
        #expect(try db.dueDeliveries(at: t0).first?.deliveryKey == first.deliveryKey, "a retry is the same mail")
        _ = try db.deliverySucceeded(id: first.id, at: t0, receipt: "<x>")

        let until = t0.addingTimeInterval(3600)
        let (_, changes) = try db.snooze(inboxID: item.id, until: until)
        let comeback = try #require(changes.scheduled.first)
        _ = try db.fireDue(expected: [comeback], at: until, late: false, rules: rules, channels: ["mail"])
        let second = try #require(try db.dueDeliveries(at: until).first)
        #expect(second.deliveryKey == "\(namespace).inbox-\(item.id).r-\(comeback.id)")
        #expect(second.firstDeliveryKey == first.deliveryKey)
    }

    @Test func itemsCoveredByTheDigestRecordTheirDeliveryAsSentInIt() throws {
        let db = try AppDatabase.inMemory()
        let (reminder, _) = try db.addReminder(text: "Call the bakery", dueAt: t0, contactID: nil)
        // Digest mode: no per-item mail job.
        let item = try db.fireDue(expected: [ScheduledReminder(id: reminder.id, due: t0)], at: t0, late: false,
                                  rules: rules, channels: ["desktop"]).items[0]
        try db.markDigested(channel: "mail", inboxItemIDs: [item.id], at: t0, receipt: "<digest>")
        let mail = try #require(try db.deliveries(inboxItemIDs: [item.id])[item.id]?.first { $0.channel == "mail" })
        #expect(mail.state == "sent" && mail.digest && mail.sentAt == t0)
        // Again (a retried digest) changes nothing.
        try db.markDigested(channel: "mail", inboxItemIDs: [item.id], at: t0.addingTimeInterval(60), receipt: "<digest>")
        #expect(try db.deliveries(inboxItemIDs: [item.id])[item.id]?.filter { $0.channel == "mail" }.map(\.sentAt) == [t0])
    }
}
