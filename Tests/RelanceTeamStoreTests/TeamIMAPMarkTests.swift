import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// How far a team node read its IMAP folders (team schema v19), on a real PostgreSQL 15:
/// the personal store's rules (forward only, within one UIDVALIDITY), each node its own.
@Suite(.serialized) struct TeamIMAPMarkTests {
    @Test func aMarkMovesForwardOnlyWithinItsValidityAndIsTheNodesOwn() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let since = instant("2030-03-18T08:00:00Z")
        #expect(try a.imapFolderMark(account: "lea@imap", folder: "INBOX") == nil)
        try a.setIMAPFolderMark(account: "lea@imap", folder: "INBOX", IMAPFolderMark(uidValidity: 7, lastUID: 10, watchedSince: since))
        #expect(try a.advanceIMAPFolderMark(account: "lea@imap", folder: "INBOX", uidValidity: 7, to: 12))
        #expect(try !a.advanceIMAPFolderMark(account: "lea@imap", folder: "INBOX", uidValidity: 7, to: 11))  // never back
        #expect(try !a.advanceIMAPFolderMark(account: "lea@imap", folder: "INBOX", uidValidity: 8, to: 20))  // renumbered
        #expect(try a.imapFolderMark(account: "lea@imap", folder: "INBOX")
                == IMAPFolderMark(uidValidity: 7, lastUID: 12, watchedSince: since))
        // Another node's marks are its own.
        #expect(try b.imapFolderMark(account: "lea@imap", folder: "INBOX") == nil)
        #expect(try !b.advanceIMAPFolderMark(account: "lea@imap", folder: "INBOX", uidValidity: 7, to: 30))
        // Renumbered: the mark is replaced as it is.
        try a.setIMAPFolderMark(account: "lea@imap", folder: "INBOX", IMAPFolderMark(uidValidity: 9, lastUID: 3, watchedSince: since))
        #expect(try a.imapFolderMark(account: "lea@imap", folder: "INBOX")?.lastUID == 3)
        // The largest UIDs survive the round trip.
        let largest = IMAPFolderMark(uidValidity: .max, lastUID: .max - 1, watchedSince: since)
        try a.setIMAPFolderMark(account: "lea@imap", folder: "Sent", largest)
        #expect(try a.advanceIMAPFolderMark(account: "lea@imap", folder: "Sent", uidValidity: .max, to: .max))
        #expect(try a.imapFolderMark(account: "lea@imap", folder: "Sent")?.lastUID == .max)
        a.close(); b.close()
    }
}
