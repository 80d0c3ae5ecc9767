import Foundation
import RelanceCore
import RelanceStore
import Testing

@Suite struct IMAPFolderMarkStoreTests {
    let since = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aMarkIsKeptPerAccountAndFolderAndOnlyMovesForward() throws {
        // Given a folder's mark
        let db = try AppDatabase.inMemory()
        #expect(try db.imapFolderMark(account: "imaps://sam@h:993", folder: "INBOX") == nil)
        try db.setIMAPFolderMark(account: "imaps://sam@h:993", folder: "INBOX",
                                 IMAPFolderMark(uidValidity: 7, lastUID: 41, watchedSince: since))
        // When it is advanced, then advanced again to an older UID
        #expect(try db.advanceIMAPFolderMark(account: "imaps://sam@h:993", folder: "INBOX", uidValidity: 7, to: 43))
        #expect(try !db.advanceIMAPFolderMark(account: "imaps://sam@h:993", folder: "INBOX", uidValidity: 7, to: 42))
        // Then it stays at the highest; another folder is untouched
        #expect(try db.imapFolderMark(account: "imaps://sam@h:993", folder: "INBOX")
                == IMAPFolderMark(uidValidity: 7, lastUID: 43, watchedSince: since))
        #expect(try db.imapFolderMark(account: "imaps://sam@h:993", folder: "Sent") == nil)
    }

    @Test func anAdvanceUnderAnOldUIDValidityChangesNothing() throws {
        // Given a folder renumbered (its mark re-set under UIDVALIDITY 8)
        let db = try AppDatabase.inMemory()
        try db.setIMAPFolderMark(account: "a", folder: "INBOX", IMAPFolderMark(uidValidity: 8, lastUID: 0, watchedSince: since))
        // When a late advance for the old numbering comes
        #expect(try !db.advanceIMAPFolderMark(account: "a", folder: "INBOX", uidValidity: 7, to: 500))
        // Then the new numbering's mark is untouched
        #expect(try db.imapFolderMark(account: "a", folder: "INBOX")?.lastUID == 0)
    }

    @Test func theLargestUIDsSurviveTheRoundTrip() throws {
        let db = try AppDatabase.inMemory()
        try db.setIMAPFolderMark(account: "a", folder: "INBOX",
                                 IMAPFolderMark(uidValidity: .max, lastUID: .max - 1, watchedSince: since))
        #expect(try db.advanceIMAPFolderMark(account: "a", folder: "INBOX", uidValidity: .max, to: .max))
        #expect(try db.imapFolderMark(account: "a", folder: "INBOX") == IMAPFolderMark(uidValidity: .max, lastUID: .max, watchedSince: since))
    }
}
