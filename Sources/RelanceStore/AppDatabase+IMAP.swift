import Foundation
import GRDB
import RelanceCore

/// Where a store keeps how far each watched IMAP folder was read (the personal store, or
/// a team node's marks in the team database): see `AppDatabase`'s methods for the contract.
public protocol IMAPMarkStore: Sendable {
    func imapFolderMark(account: String, folder: String) throws -> IMAPFolderMark?
    func setIMAPFolderMark(account: String, folder: String, _ mark: IMAPFolderMark) throws
    @discardableResult
    func advanceIMAPFolderMark(account: String, folder: String, uidValidity: UInt32, to uid: UInt32) throws -> Bool
}

extension AppDatabase: IMAPMarkStore {}

extension AppDatabase {
    /// How far `folder` of `account` was read, if it was ever watched.
    public func imapFolderMark(account: String, folder: String) throws -> IMAPFolderMark? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT uidValidity, lastUID, watchedSince FROM imapFolder WHERE account = ? AND folder = ?",
                             arguments: [account, folder]).map { row in
                IMAPFolderMark(uidValidity: UInt32(truncatingIfNeeded: row["uidValidity"] as Int64),
                               lastUID: UInt32(truncatingIfNeeded: row["lastUID"] as Int64),
                               watchedSince: Date(timeIntervalSince1970: row["watchedSince"]))
            }
        }
    }

    /// Records `mark` as it is (a first watch, or a folder renumbered), in one transaction.
    public func setIMAPFolderMark(account: String, folder: String, _ mark: IMAPFolderMark) throws {
        try writer.write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO imapFolder (account, folder, uidValidity, lastUID, watchedSince) VALUES (?, ?, ?, ?, ?)
                """, arguments: [account, folder, Int64(mark.uidValidity), Int64(mark.lastUID), mark.watchedSince.timeIntervalSince1970])
        }
    }

    /// Moves the folder's mark forward to `uid`, one transaction: only within the same
    /// UIDVALIDITY and never backwards, so a late or repeated call cannot make a message
    /// be read twice. Returns whether the mark moved.
    @discardableResult
    public func advanceIMAPFolderMark(account: String, folder: String, uidValidity: UInt32, to uid: UInt32) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: """
                UPDATE imapFolder SET lastUID = ? WHERE account = ? AND folder = ? AND uidValidity = ? AND lastUID < ?
                """, arguments: [Int64(uid), account, folder, Int64(uidValidity), Int64(uid)])
            return db.changesCount > 0
        }
    }
}
