import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
@testable import RelanceDaemon
import RelanceStore
@testable import RelanceTeamStore
import RelanceTestKit
import Testing

/// Snoozing on a real PostgreSQL 15 (team schema v9, issue #16), with the personal
/// store's meaning: the item hides, then comes back unread, the same item, once, from
/// whichever node fires its comeback; done, dismiss or another snooze cancel it. And the
/// desktop popup's buttons, through `DesktopActions` on the team store.
@Suite(.serialized) struct TeamSnoozeTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let logger = Logger(label: "team-snooze-test")
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    func fire(_ store: TeamStore, at: Date, channels: [String] = ["desktop", "mail"]) throws -> [InboxItem] {
        try store.fireDue(expected: [], at: at, late: false, lateBefore: nil, rules: rules, channels: channels).items
    }

    /// Every row snooze touches, to show a refusal changed nothing.
    func rows(_ server: PostgresServer) throws -> String {
        try server.psql("""
            SELECT 'r', id, state, fire_at, coalesce(resurfaces_inbox_id, 0) FROM reminder
            UNION ALL SELECT 'i', id, state, fired_at, extract(epoch FROM snoozed_until)::bigint FROM inbox_item
            UNION ALL SELECT 'o', id, state, next_attempt_at, reminder_id FROM outbox
            ORDER BY 1, 2
            """)
    }

    @Test func aSnoozedItemComesBackOnceTheSameItemUnreadFromWhicheverNodeFiresIt() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        try a.setMail(of: "lea", to: "lea@example.org", at: t0)
        // Forty items, lea's and the team's, fired by a, snoozed from b.
        for index in 0..<40 {
            _ = try a.addReminder(text: "r\(index)", dueAt: t0, owner: index % 2 == 0 ? "lea" : nil)
        }
        let items = try fire(a, at: t0)
        #expect(items.count == 40)
        let until = t0.addingTimeInterval(3600)
        for item in items {
            let snoozed = try b.snooze(inboxID: item.id, until: until, now: t0.addingTimeInterval(60))
            #expect(snoozed.state == .snoozed && snoozed.snoozedUntil == until && snoozed.id == item.id)
        }
        // Hidden from every node's open inbox; their jobs still waiting are cancelled.
        #expect(try a.inbox(.open).isEmpty)
        #expect(try a.inbox(.all).allSatisfy { $0.state == .snoozed && $0.snoozedUntil == until })
        #expect(try server.psql("SELECT DISTINCT state FROM outbox") == "cancelled\n")
        #expect(try a.upcoming(limit: 100).count == 40)

        // When both nodes race to fire the comebacks, at and past their time.
        let fired = NIOLockedValueBox<[InboxItem]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            for step in 0..<5 {
                let got = try! fire([a, b][index], at: until.addingTimeInterval(Double(step)))
                fired.withLockedValue { $0 += got }
            }
        }

        // Then each item came back exactly once, the same item, unread, fired at its time.
        let back = fired.withLockedValue { $0 }
        #expect(back.count == 40)
        #expect(Set(back.map(\.id)) == Set(items.map(\.id)))
        #expect(back.allSatisfy { $0.state == .unread && $0.snoozedUntil == nil && $0.dueAt == until && $0.firedAt == until })
        #expect(try b.inbox(.all).count == 40)
        #expect(try b.inbox(.unread).count == 40)
        #expect(try server.psql("SELECT count(*) FROM inbox_item") == "40\n")
        #expect(try server.psql("SELECT state, count(*) FROM reminder WHERE resurfaces_inbox_id IS NOT NULL GROUP BY state")
                == "fired|40\n")
        #expect(try a.upcoming(limit: 100).isEmpty)
        // New jobs, for the comeback: lea's to her address only, the team's one per channel.
        #expect(try server.psql("""
            SELECT r.owner IS NULL, o.channel, coalesce(o.recipient, '-'), count(*) FROM outbox o
            JOIN reminder r ON r.id = o.reminder_id
            WHERE o.state = 'pending' AND r.resurfaces_inbox_id = o.inbox_item_id
            GROUP BY 1, 2, 3 ORDER BY 1, 2
            """) == """
            f|mail|lea@example.org|20
            t|desktop|-|20
            t|mail|-|20

            """)
        // The comeback's mail is a new message that refers to the first.
        let job = try #require(try a.claimDueDeliveries(at: until, channels: ["mail"], limit: 1).first)
        #expect(job.reminderID != job.item.reminderID)
        #expect(job.firstDeliveryKey != nil && job.firstDeliveryKey != job.deliveryKey)
        a.close(); b.close()
    }

    @Test func doneOrDismissWhileSnoozedCancelsTheComebackOnEveryNode() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        _ = try a.addReminder(text: "done", dueAt: t0)
        _ = try a.addReminder(text: "dismissed", dueAt: t0)
        let items = try fire(a, at: t0)
        let until = t0.addingTimeInterval(600)
        for item in items { _ = try a.snooze(inboxID: item.id, until: until, now: t0) }
        #expect(try b.upcoming(limit: 10).count == 2)

        let done = try b.close(inboxID: items.first { $0.text == "done" }!.id, as: .done)
        let dismissed = try b.close(inboxID: items.first { $0.text == "dismissed" }!.id, as: .dismissed)

        #expect(done.state == .done && done.snoozedUntil == nil)
        #expect(dismissed.state == .dismissed && dismissed.snoozedUntil == nil)
        #expect(try a.upcoming(limit: 10).isEmpty)
        #expect(try server.psql("SELECT state FROM reminder WHERE resurfaces_inbox_id IS NOT NULL") == "cancelled\ncancelled\n")
        // Past the snooze, neither node brings anything back.
        #expect(try fire(a, at: until).isEmpty && fire(b, at: until.addingTimeInterval(1)).isEmpty)
        #expect(try a.inbox(.all).map(\.state).sorted { $0.rawValue < $1.rawValue } == [.dismissed, .done])
        a.close(); b.close()
    }

    @Test func aReplyDismissesASnoozedNudgeAsOnThePersonalStore() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let (logged, followUp) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat",
                                                   sentAt: t0, policy: .standard, rules: rules)
        let nudge = try #require(followUp)
        let item = try #require(try a.fireDue(expected: [], at: nudge.fireAt, late: false, lateBefore: nil, rules: rules,
                                              channels: []).items.first)
        _ = try b.snooze(inboxID: item.id, until: nudge.fireAt.addingTimeInterval(86_400), now: nudge.fireAt)
        let (_, cancelled, _, _) = try b.recordReply(outreachID: logged.outreach.id, outcome: .replied, at: nudge.fireAt)
        #expect(cancelled.count == 2)  // the next step, and the snoozed nudge's comeback
        #expect(try a.inboxItems(ids: [item.id]).map(\.state) == [.dismissed])
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0\n")
        a.close(); b.close()
    }

    @Test func snoozingAgainReplacesTheComebackAndMovingItMovesSnoozedUntil() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        _ = try a.addReminder(text: "call back", dueAt: t0)
        let item = try fire(a, at: t0)[0]
        _ = try a.snooze(inboxID: item.id, until: t0.addingTimeInterval(600), now: t0)
        let later = t0.addingTimeInterval(7200)
        _ = try b.snooze(inboxID: item.id, until: later, now: t0)
        let pending = try a.upcoming(limit: 10)
        #expect(pending.map(\.dueAt) == [later])
        #expect(try server.psql("SELECT state FROM reminder WHERE resurfaces_inbox_id IS NOT NULL ORDER BY id") == "cancelled\npending\n")

        // `reminder move` on the comeback moves when the item comes back.
        let moved = t0.addingTimeInterval(3600)
        _ = try b.moveReminder(id: pending[0].id, to: moved, zone: rules.userZone, now: t0)
        #expect(try a.inboxItems(ids: [item.id])[0].snoozedUntil == moved)
        // Cancelling it by hand is refused, as on the personal daemon: done or dismiss the item.
        #expect(throws: StoreError.bringsBackSnoozedItem(reminderID: pending[0].id, inboxID: item.id)) {
            try a.cancelReminder(id: pending[0].id)
        }
        #expect(try fire(b, at: moved).map(\.id) == [item.id])
        a.close(); b.close()
    }

    @Test func anUnknownItemAPastTimeOrAClosedItemIsRefusedAndNothingChanges() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addReminder(text: "open", dueAt: t0)
        _ = try a.addReminder(text: "closed", dueAt: t0)
        let items = try fire(a, at: t0)
        let open = items.first { $0.text == "open" }!, closed = items.first { $0.text == "closed" }!
        _ = try a.close(inboxID: closed.id, as: .done)
        let before = try rows(server)
        let later = t0.addingTimeInterval(600)

        #expect(throws: StoreError.inboxItemNotFound(id: 999)) { try a.snooze(inboxID: 999, until: later, now: t0) }
        #expect(throws: ValidationError(field: "until", reason: "must be in the future")) {
            try a.snooze(inboxID: open.id, until: t0, now: t0)
        }
        #expect(throws: StoreError.cannotSnooze(inboxID: closed.id, state: .done)) {
            try a.snooze(inboxID: closed.id, until: later, now: t0)
        }
        #expect(try rows(server) == before)
        a.close()
    }

    @Test func aDatabaseFromBeforeV9KeepsItsJobsAndItsItemsCanBeSnoozed() throws {
        // Given a team database at v8 (as the relance role, as a node would have made it)
        // with an item fired and its job sent.
        let server = try PostgresServer()
        try server.psql("SET ROLE relance; CREATE TABLE relance_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())")
        for migration in TeamSchema.migrations.prefix(while: { $0.name != "v9-snooze" }) {
            for statement in migration.statements { try server.psql("SET ROLE relance; " + statement) }
            try server.psql("SET ROLE relance; INSERT INTO relance_migration (name) VALUES ('\(migration.name)')")
        }
        try server.psql("""
            SET ROLE relance;
            INSERT INTO reminder (kind, text, due_at, fire_at, state, created_by) VALUES ('custom', 'old', now(), now(), 'fired', 'a');
            INSERT INTO inbox_item (reminder_id, kind, text, due_at, fired_at, late, fired_by)
                SELECT id, kind, text, due_at, due_at, false, 'a' FROM reminder;
            INSERT INTO outbox (inbox_item_id, channel, state, next_attempt_at, receipt, sent_by)
                SELECT id, 'desktop', 'sent', fired_at, '5', 'a' FROM inbox_item;
            """)

        // When a node of this version starts on it
        let a = try server.node("a")

        // Then the job names the firing it delivered, and the item snoozes and comes back
        // with a job of its own beside the old one.
        #expect(try a.appliedMigrations().contains("v9-snooze"))
        #expect(try server.psql("SELECT o.reminder_id = i.reminder_id FROM outbox o JOIN inbox_item i ON i.id = o.inbox_item_id") == "t\n")
        let item = try a.inbox(.open)[0]
        let now = Date()
        _ = try a.snooze(inboxID: item.id, until: now.addingTimeInterval(60), now: now)
        #expect(try fire(a, at: now.addingTimeInterval(60), channels: ["desktop"]).map(\.id) == [item.id])
        #expect(try server.psql("SELECT state FROM outbox ORDER BY id") == "sent\npending\n")
        #expect(try a.inboxItemID(desktopReceipt: "5") == item.id)
        a.close()
    }

    // MARK: The desktop popup's buttons

    struct FixedClock: WallClock {
        let instant: Date
        func now() -> Date { instant }
    }

    /// Fires one unowned reminder on `store` and records its popup as shown by it, with
    /// notification id `receipt`; the item.
    func shown(_ store: TeamStore, text: String, receipt: String) throws -> InboxItem {
        _ = try store.addReminder(text: text, dueAt: t0)
        let item = try fire(store, at: t0, channels: ["desktop"]).first { $0.text == text }!
        let job = try #require(try store.claimDueDeliveries(at: t0, channels: ["desktop"], limit: 10).first { $0.item.id == item.id })
        #expect(try store.recordDelivered(job, at: t0, receipt: receipt))
        return item
    }

    @Test func doneSnoozeAndOpenPressedOnATeamNodesPopupActOnTheSharedItem() async throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let zone = rules.userZone
        let onA = DesktopActions(store: a, clock: FixedClock(instant: t0), zone: { zone }, logger: logger)
        let done = try shown(a, text: "done", receipt: "7")
        let snoozed = try shown(a, text: "snoozed", receipt: "8")
        let opened = try shown(a, text: "opened", receipt: "9")

        await onA.handle(notificationID: 7, action: "done")
        await onA.handle(notificationID: 8, action: "snooze")
        await onA.handle(notificationID: 9, action: "open")

        // Seen from the other node: the same items, acted on for the whole team.
        let seen = Dictionary(uniqueKeysWithValues: try b.inboxItems(ids: [done.id, snoozed.id, opened.id]).map { ($0.text, $0) })
        #expect(seen["done"]?.state == .done)
        #expect(seen["snoozed"]?.state == .snoozed)
        #expect(seen["snoozed"]?.snoozedUntil == ISODuration(days: 1).added(to: t0, in: zone))
        #expect(seen["opened"]?.state == .read)
        #expect(try b.upcoming(limit: 10).map(\.text) == ["snoozed"])
        a.close(); b.close()
    }

    @Test func aButtonOnAnotherNodesNotificationIdActsOnNothing() async throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let item = try shown(a, text: "a's popup", receipt: "7")
        let before = try rows(server)
        // b's screen numbers its popups itself: its 7 is not a's 7.
        let onB = DesktopActions(store: b, clock: FixedClock(instant: t0), zone: { .gmt }, logger: logger)
        await onB.handle(notificationID: 7, action: "done")
        #expect(try rows(server) == before)
        #expect(try b.inboxItems(ids: [item.id])[0].state == .unread)
        a.close(); b.close()
    }
}
