import Foundation
import PostgresNIO

/// Each team user's own screen (issue #16). A node whose desktop is a user's says so at
/// start (`desktop_screen`, v15); from then on the firing gives each reminder that user
/// owns a desktop job addressed to them, and only a node showing their screen claims it
/// (`claimDueDeliveries`). A screen that is off keeps its jobs waiting, as a mail server
/// that is down does: they pop up when it is back.
extension TeamStore {
    /// Records whose screen this node's desktop is (`nil`: nobody's; the team's own
    /// reminders only), in one transaction. A user no node shows any more loses the
    /// desktop jobs waiting for them: cancelled, saying why, rather than pending for ever.
    /// Returns how many were cancelled.
    @discardableResult
    public func registerScreen(of user: String?, at now: Date) throws -> Int {
        let cancelled = try transaction { connection in
            try run(connection, "DELETE FROM desktop_screen WHERE node = \(settings.node)")
            if let user {
                try run(connection, """
                    INSERT INTO desktop_screen (node, user_name, registered_at) VALUES (\(settings.node), \(user), \(now))
                    """)
            }
            return try connection.query("""
                UPDATE outbox SET state = 'cancelled', last_attempt_at = \(now),
                                  last_error = 'no node shows ' || recipient || '''s desktop notifications any more'
                WHERE channel = \(Self.desktopChannel) AND state = 'pending' AND recipient IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM desktop_screen s WHERE s.user_name = outbox.recipient)
                RETURNING id
                """, logger: logger).wait().count
        }
        screenUser.withLockedValue { $0 = user }
        return cancelled
    }
}
