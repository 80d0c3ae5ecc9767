import Foundation
import GRDB
import RelanceCore
@testable import RelanceStore
import Testing

/// A watched folder's message costs one write transaction: what it means and how far the
/// folder was read commit together (issue #13; two per message made a 100 000-message
/// Maildir scan cost ≈ 0.8 ms a message).
@Suite struct MailIngestTransactionTests {
    final class CommitCounter: TransactionObserver, @unchecked Sendable {
        var commits = 0
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { commits += 1 }
        func databaseDidRollback(_ db: Database) {}
    }

    @Test func aStrangersMessageAndTheWatermarkCommitOnceTogether() throws {
        let db = try AppDatabase.inMemory()
        let counter = CommitCounter()
        try db.writer.write { $0.add(transactionObserver: counter, extent: .databaseLifetime) }
        counter.commits = 0  // the transaction that added it
        let mark = Bookkeeping(key: "maildir:/home/sam/Maildir/INBOX", value: "1700000000.5")

        let result = try db.ingestMail(from: ["news@lists.example"], thread: [], messageID: "digest-1@lists.example",
                                       subject: "Digest", meaning: .reply, bookkeeping: mark,
                                       at: Date(timeIntervalSince1970: 1_700_000_000), rules: TimingRules(userZone: .gmt))

        #expect(result.outcome == .ignored)
        #expect(counter.commits == 1)
        #expect(try db.bookkeeping(mark.key) == mark.value)
    }
}
