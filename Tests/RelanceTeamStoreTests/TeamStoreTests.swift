import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
@testable import RelanceDaemon
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// The team store on a real PostgreSQL 15 (the harness starts one per test): several
/// stores on one database stand for several nodes, each with its own connections.
@Suite(.serialized) struct TeamStoreTests {
    let t0 = instant("2026-12-01T08:00:00Z")
    let logger = Logger(label: "team-test")

    @Test func nodesStartingTogetherMigrateOnce() throws {
        let server = try PostgresServer()
        let opened = NIOLockedValueBox<[TeamStore]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            if let store = try? server.node("n\(index)") { opened.withLockedValue { $0.append(store) } }
        }
        let stores = opened.withLockedValue { $0 }
        #expect(stores.count == 3)
        #expect(try stores[0].appliedMigrations() == ["v1-reminders-inbox-outbox", "v2-inbox-announcements", "v3-delivery-claims",
                                                  "v4-contacts-outreach", "v5-user-mail", "v6-meetings",
                                                  "v7-reminder-anchors", "v8-migrated-rows", "v9-snooze",
                                                  "v10-user-zone-window", "v11-events", "v12-keep-in-touch", "v13-cancelled-events",
                                                  "v14-team-digest", "v15-desktop-screens", "v16-holidays", "v17-mail",
                                                  "v18-vdir-sync", "v19-imap-marks"])
        #expect(try server.psql("SELECT count(*) FROM relance_migration") == "19\n")
        stores.forEach { $0.close() }
    }

    @Test func threeNodesFiringTheSameDueRemindersFireEachOnce() throws {
        let server = try PostgresServer()
        let nodes = try (0..<3).map { try server.node("n\($0)") }
        for index in 0..<1_500 {
            _ = try nodes[index % 3].addReminder(text: "r\(index)", dueAt: t0.addingTimeInterval(Double(index % 7)))
        }
        let fired = NIOLockedValueBox<[[InboxItem]]>([[], [], []])
        // Each node fires as fast as it can, at instants walking past every due time.
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            for step in 0..<10 {
                let firing = try! nodes[index].fireDue(expected: [], at: t0.addingTimeInterval(Double(step)), late: false,
                                                       lateBefore: nil, rules: TimingRules(userZone: .gmt), channels: ["mail"])
                fired.withLockedValue { $0[index] += firing.items }
            }
        }
        let all = fired.withLockedValue { $0 }.flatMap { $0 }
        #expect(all.count == 1_500)
        #expect(Set(all.map(\.reminderID)).count == 1_500)
        #expect(try nodes[0].inbox(limit: 10_000).count == 1_500)
        #expect(try server.psql("SELECT count(*) FROM outbox WHERE channel = 'mail'") == "1500\n")
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0\n")
        nodes.forEach { $0.close() }
    }

    @Test func aNodeThatDiesMidFiringLeavesTheRowsToTheOthers() throws {
        let server = try PostgresServer()
        let survivor = try server.node("survivor")
        let (reminder, _) = try survivor.addReminder(text: "call Ada", dueAt: t0)
        // A dying node: it claimed the row inside its firing transaction, then nothing.
        let dying = Process()
        dying.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        dying.arguments = (getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []) + [
            "psql", "-h", server.folder.path, "-U", "postgres", "-d", "relance", "-c",
            "BEGIN; SELECT id FROM reminder WHERE state = 'pending' FOR UPDATE; SELECT pg_sleep(600);",
        ]
        dying.standardOutput = FileHandle.nullDevice
        try dying.run()
        try waitUntil { try server.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'tuple' OR (locktype = 'transactionid' AND mode = 'ExclusiveLock' AND pid <> pg_backend_pid())") != "0\n" }

        let blocked = try survivor.fireDue(expected: [ScheduledReminder(id: reminder.id, due: t0)], at: t0, late: false,
                                           lateBefore: nil, rules: TimingRules(userZone: .gmt), channels: [])
        #expect(blocked.items.isEmpty)  // skipped, not waited for
        #expect(blocked.handedBack.map(\.id) == [reminder.id])  // looked at again shortly
        #expect(blocked.handedBack.first!.due > t0)

        kill(dying.processIdentifier, SIGKILL)  // the node dies; its backend rolls back
        try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()")
        dying.waitUntilExit()
        try waitUntil { try server.psql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()") == "0\n" }

        let fired = try survivor.fireDue(expected: [], at: t0.addingTimeInterval(1), late: false,
                                         lateBefore: nil, rules: TimingRules(userZone: .gmt), channels: [])
        #expect(fired.items.map(\.text) == ["call Ada"])
        survivor.close()
    }

    @Test func nodesHearEachOthersChangesThroughListenNotify() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let heard = NIOLockedValueBox<[ScheduleChanges]>([])
        a.observeReminders { changes in heard.withLockedValue { $0.append(changes) } }
        let (mine, _) = try a.addReminder(text: "mine", dueAt: t0)
        let (theirs, _) = try b.addReminder(text: "theirs", dueAt: t0.addingTimeInterval(60))
        try waitUntil { heard.withLockedValue { $0.count } >= 2 }
        let changes = heard.withLockedValue { $0 }
        // Its own write told before the call returned; the other node's through NOTIFY, once.
        #expect(changes.map(\.scheduled) == [[ScheduledReminder(id: mine.id, due: t0)],
                                             [ScheduledReminder(id: theirs.id, due: t0.addingTimeInterval(60))]])
        // A firing by b is announced to a as its rows leaving the pending set.
        _ = try b.fireDue(expected: [], at: t0, late: false, lateBefore: nil, rules: TimingRules(userZone: .gmt), channels: [])
        try waitUntil { heard.withLockedValue { $0.count } >= 3 }
        #expect(heard.withLockedValue { $0.last?.cancelled } == [mine.id])
        a.close(); b.close()
    }

    @Test func theListenerComesBackAfterTheDatabaseRestartsAndAsksForAReread() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let heard = NIOLockedValueBox<[ScheduleChanges]>([])
        a.observeReminders { changes in heard.withLockedValue { $0.append(changes) } }
        try server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'relance'")
        try waitUntil(timeout: 60) { heard.withLockedValue { $0.contains { $0.resync } } }
        // And it hears the others again.
        let b = try server.node("b")
        let (theirs, _) = try b.addReminder(text: "after the cut", dueAt: t0)
        try waitUntil { heard.withLockedValue { $0.contains { $0.scheduled.map(\.id) == [theirs.id] } } }
        // The node's own connection was cut too: its next call reconnects.
        #expect(try a.upcoming(limit: 10).map(\.text) == ["after the cut"])
        a.close(); b.close()
    }

    @Test func theDaemonsSchedulerOnThreeNodesFiresEachReminderOnce() throws {
        let server = try PostgresServer()
        let clock = ManualClock(t0)
        let fired = NIOLockedValueBox<[InboxItem]>([])
        let stores = try (0..<3).map { try server.node("n\($0)") }
        let schedulers = stores.map { store in
            Scheduler(store: store, time: clock, logger: logger) { firing in fired.withLockedValue { $0 += firing.items } }
        }
        for scheduler in schedulers { try scheduler.start() }
        // Created on one node; the others learn of it through NOTIFY and arm for it too.
        var created: [Int64] = []
        for index in 0..<30 {
            created.append(try stores[index % 3].addReminder(text: "r\(index)", dueAt: t0.addingTimeInterval(Double(60 + index))).0.id)
        }
        try waitUntil { schedulers.allSatisfy { $0.snapshot().pending == 30 } }
        clock.advance(by: 120)
        try waitUntil { fired.withLockedValue { $0.count } >= 30 && schedulers.allSatisfy { $0.snapshot().pending == 0 } }
        for scheduler in schedulers { scheduler.settle() }
        let items = fired.withLockedValue { $0 }
        #expect(items.count == 30)
        #expect(Set(items.map(\.reminderID)) == Set(created))
        schedulers.forEach { $0.stop() }
        stores.forEach { $0.close() }
    }

    @Test func settingsReadTheURLOrSayWhatIsWrong() throws {
        let socket = try TeamStoreSettings(url: "postgresql://relance@/team?host=/run/postgresql", node: "n")
        #expect(socket.endpoint == .unixSocket(path: "/run/postgresql/.s.PGSQL.5432"))
        #expect(socket.tls == .disable)
        let tcp = try TeamStoreSettings(url: "postgresql://relance@db.example:6543/team", node: "n")
        #expect(tcp.endpoint == .tcp(host: "db.example", port: 6543))
        #expect(tcp.tls == .verifyFull)  // over a network, TLS with verification unless told
        #expect(tcp.database == "team" && tcp.user == "relance")
        let refusals: [(String, String)] = [
            ("mysql://x@h/d", "must start with postgresql://"),
            ("postgresql://relance:secret@h/d", "password_file"),
            ("postgresql://relance@h/", "names no database"),
            ("postgresql://h/d", "names no user"),
            ("postgresql://relance@h/d?sslmode=allow", "sslmode=allow"),
            ("postgresql://relance@h/d?pool=3", "unknown parameter 'pool'"),
            ("postgresql://relance@/d?host=/s&port=99999", "port=99999"),
        ]
        for (url, reason) in refusals {
            #expect { try TeamStoreSettings(url: url) } throws: { "\($0)".contains(reason) }
        }
    }

    @Test func anUnreachableDatabaseIsUnavailableNotACrash() throws {
        let settings = try TeamStoreSettings(url: "postgresql://relance@/relance?host=/nonexistent-\(UUID())", node: "n")
        #expect { try TeamStore.open(settings, logger: logger) } throws: { error in
            guard case TeamStoreError.unavailable = error else { return false }
            return true
        }
    }
}

/// Waits for `condition` (the database answers asynchronously); fails after `timeout`
/// seconds, a bound for a hang, not a latency being asserted.
func waitUntil(timeout: TimeInterval = 30, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeout)
    while try !condition() {
        guard Date() < deadline else { throw PostgresServer.Failure(message: "condition not met within \(timeout) s") }
        usleep(20_000)
    }
}
