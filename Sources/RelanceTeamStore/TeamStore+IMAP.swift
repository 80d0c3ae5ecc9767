import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// How far this node read each IMAP folder it watches (team schema v19), as the personal
/// store keeps it: the same rules (a mark moves forward only, within one UIDVALIDITY), one
/// statement each. The account is the node's own, so the marks are the node's.
extension TeamStore: IMAPMarkStore {
    public func imapFolderMark(account: String, folder: String) throws -> IMAPFolderMark? {
        try withConnection { connection in
            try connection.query("""
                SELECT uid_validity, last_uid, watched_since FROM imap_folder
                WHERE node = \(settings.node) AND account = \(account) AND folder = \(folder)
                """, logger: logger).wait().first.map { row in
                let (validity, last, since) = try row.decode((Int64, Int64, Date).self)
                return IMAPFolderMark(uidValidity: UInt32(truncatingIfNeeded: validity), lastUID: UInt32(truncatingIfNeeded: last),
                                      watchedSince: since)
            }
        }
    }

    public func setIMAPFolderMark(account: String, folder: String, _ mark: IMAPFolderMark) throws {
        try withConnection { connection in
            try run(connection, """
                INSERT INTO imap_folder (node, account, folder, uid_validity, last_uid, watched_since)
                VALUES (\(settings.node), \(account), \(folder), \(Int64(mark.uidValidity)), \(Int64(mark.lastUID)), \(mark.watchedSince))
                ON CONFLICT (node, account, folder) DO UPDATE SET uid_validity = excluded.uid_validity,
                    last_uid = excluded.last_uid, watched_since = excluded.watched_since
                """)
        }
    }

    @discardableResult
    public func advanceIMAPFolderMark(account: String, folder: String, uidValidity: UInt32, to uid: UInt32) throws -> Bool {
        try withConnection { connection in
            try connection.query("""
                UPDATE imap_folder SET last_uid = \(Int64(uid))
                WHERE node = \(settings.node) AND account = \(account) AND folder = \(folder)
                  AND uid_validity = \(Int64(uidValidity)) AND last_uid < \(Int64(uid))
                RETURNING 1
                """, logger: logger).wait().count > 0
        }
    }
}
