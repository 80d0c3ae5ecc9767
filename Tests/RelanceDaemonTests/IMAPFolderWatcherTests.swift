import Foundation
import Logging
@testable import RelanceDaemon
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore
import RelanceTestKit
import Testing

@Suite(.serialized) struct IMAPFolderWatcherTests {
    let settings = IMAPSettings(endpoint: IMAPEndpoint(host: "imap.example.com", port: 993, security: .implicitTLS, username: "sam"),
                                passwordFile: #filePath)  // any readable, non-empty file

    /// Waits (polling, with a deadline: no sleep decides the outcome) until `condition` holds.
    func eventually(_ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(30)
        while try !condition() {
            guard Date() < deadline else { Issue.record("timed out waiting for \(what)"); return }
            usleep(2_000)
        }
    }

    func watcher(_ client: MemoryIMAPClient, store: AppDatabase, health: MailSourceHealth = MailSourceHealth(),
                 ingest: @escaping @Sendable (String, Bool) throws -> Void) -> IMAPFolderWatcher {
        IMAPFolderWatcher(settings: settings, folder: "INBOX", sent: false, client: client, store: store, health: health,
                          logger: Logger(label: "test"), ingest: ingest)
    }

    func header(_ id: String, _ extra: String = "") -> String {
        "From: ada@example.com\r\nSubject: Re: coffee\r\nMessage-ID: <\(id)>\r\n\(extra)\r\n"
    }

    @Test func theHistoryIsSkippedAndEachNewMessageIsHandedOverOnce() throws {
        // Given a folder with one old message, watched for the first time
        let client = MemoryIMAPClient()
        client.deliver(header: header("old@x"))
        let store = try AppDatabase.inMemory()
        let handed = NIOLockedValueBox<[String]>([])
        let health = MailSourceHealth()
        let watcher = watcher(client, store: store, health: health) { message, _ in
            handed.withLockedValue { $0.append(MailHeaders(parsing: message)["message-id"] ?? "?") }
        }
        watcher.start()
        defer { watcher.stop() }
        try eventually("the folder watched") { health.all.first?.state == .watching }

        // When two messages arrive (each wakes the idling session)
        client.deliver(header: header("new-1@x"))
        client.deliver(header: header("new-2@x"))

        // Then each is handed over once, in order, and the old one never; the mark follows
        try eventually("two messages handed over") { handed.withLockedValue { $0.count } == 2 }
        #expect(handed.withLockedValue { $0 } == ["<new-1@x>", "<new-2@x>"])
        try eventually("the mark at UID 3") { try store.imapFolderMark(account: settings.endpoint.display, folder: "INBOX")?.lastUID == 3 }
        // and a plain reply was read from its headers alone
        #expect(client.bodyFetches == 0)
        // and every wait was in IDLE, renewed before the 29 minutes of RFC 2177
        #expect(!client.waits.isEmpty)
        #expect(client.waits.allSatisfy { $0.idle && $0.timeout == IMAPTiming.idleRenewal && $0.timeout < .seconds(29 * 60) })
    }

    @Test func aRestartResumesAfterTheMarkAndARenumberedFolderIsReadSinceTheWatchBegan() throws {
        // Given a folder read up to UID 1
        let client = MemoryIMAPClient()
        let store = try AppDatabase.inMemory()
        let handed = NIOLockedValueBox<[String]>([])
        let ingest: @Sendable (String, Bool) throws -> Void = { message, _ in
            handed.withLockedValue { $0.append(MailHeaders(parsing: message)["message-id"] ?? "?") }
        }
        let health = MailSourceHealth()
        var first: IMAPFolderWatcher? = watcher(client, store: store, health: health, ingest: ingest)
        first!.start()
        try eventually("the folder watched") { health.all.first?.state == .watching }
        client.deliver(header: header("one@x"))
        try eventually("one message") { handed.withLockedValue { $0.count } == 1 }
        first!.stop()
        first = nil

        // When a message arrives while stopped, and the server renumbers the folder
        client.deliver(header: header("two@x"))
        client.renumber()
        let again = MailSourceHealth()
        let second = watcher(client, store: store, health: again, ingest: ingest)
        second.start()
        defer { second.stop() }

        // Then both messages since the watch began are handed over again (the store's
        // Message-ID check makes the first one change nothing), under the new numbering
        try eventually("the folder read again") { again.all.first?.state == .watching }
        #expect(handed.withLockedValue { $0 } == ["<one@x>", "<one@x>", "<two@x>"])
        #expect(try store.imapFolderMark(account: settings.endpoint.display, folder: "INBOX")?.uidValidity == 2)
    }

    @Test func anUnreadableMessageIsSkippedAndAnOutOfOfficeIsReadWithItsText() throws {
        // Given a watched folder, and an ingest that refuses one message
        let client = MemoryIMAPClient()
        let store = try AppDatabase.inMemory()
        let handed = NIOLockedValueBox<[String]>([])
        let health = MailSourceHealth()
        let watcher = watcher(client, store: store, health: health) { message, _ in
            let headers = MailHeaders(parsing: message)
            if headers["message-id"] == "<bad@x>" { throw IMAPFolderWatcher.Unreadable(reason: "no header") }
            handed.withLockedValue { $0.append(message) }
        }
        watcher.start()
        defer { watcher.stop() }
        try eventually("the folder watched") { health.all.first?.state == .watching }

        // When the refused one arrives, then an out-of-office
        client.deliver(header: header("bad@x"))
        client.deliver(header: header("ooo@x", "Auto-Submitted: auto-replied\r\n"), body: "Back on 14 December.\r\n")

        // Then the refused one is passed over and the out-of-office comes with its text
        try eventually("the out-of-office") { handed.withLockedValue { $0.count } == 1 }
        #expect(handed.withLockedValue { $0.first }?.hasSuffix("\r\n\r\nBack on 14 December.\r\n") == true)
        try eventually("the mark past both") { try store.imapFolderMark(account: settings.endpoint.display, folder: "INBOX")?.lastUID == 2 }
    }
}
