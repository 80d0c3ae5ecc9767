import Foundation
import PostgresNIO
import RelanceCore

/// Each team user's own delivery address, kept in the shared database so that every node
/// mails a user's reminders to the same place (issue #16: "delivery goes to the owner's
/// channels only"). Set by the user themself through the socket; the address is checked
/// by the caller (the daemon parses it as the mail channel will), the store keeps it.
extension TeamStore {
    /// The channel name a user's address is delivered on (`ChannelSettings`' "mail").
    public static let mailChannel = "mail"

    /// Where `user`'s reminders are mailed; nil: nowhere (never set, or cleared).
    public func mail(of user: String) throws -> String? {
        try withConnection { connection in
            try connection.query("SELECT mail FROM team_user WHERE name = \(user)", logger: logger).wait()
                .first?.decode(String?.self) ?? nil
        }
    }

    /// Sets (or with nil clears) `user`'s address, in one statement; the address as stored.
    /// Jobs already queued keep the address they were made for (`outbox.recipient`).
    @discardableResult
    public func setMail(of user: String, to mail: String?, at now: Date) throws -> String? {
        try withConnection { connection in
            try connection.query("""
                INSERT INTO team_user (name, mail, updated_at, updated_by) VALUES (\(user), \(mail), \(now), \(settings.node))
                ON CONFLICT (name) DO UPDATE SET mail = EXCLUDED.mail, updated_at = EXCLUDED.updated_at,
                                                 updated_by = EXCLUDED.updated_by
                RETURNING mail
                """, logger: logger).wait().first!.decode(String?.self)
        }
    }
}
