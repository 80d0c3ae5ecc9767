import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// Each team user's own delivery address, kept in the shared database so that every node
/// mails a user's reminders to the same place (issue #16: "delivery goes to the owner's
/// channels only"). Set by the user themself through the socket; the address is checked
/// by the caller (the daemon parses it as the mail channel will), the store keeps it.
extension TeamStore {
    /// The channel name a user's address is delivered on (`ChannelSettings`' "mail").
    public static let mailChannel = "mail"
    /// The channel name of a user's screen (`ChannelSettings`' "desktop", v15).
    static let desktopChannel = "desktop"

    /// What a team user sets for themself, a column of `team_user` each.
    enum Preference: String {
        case mail
        case zone = "time_zone"
        case window = "delivery_window"
    }

    /// Where `user`'s reminders are mailed; nil: nowhere (never set, or cleared).
    public func mail(of user: String) throws -> String? { try preference(.mail, of: user) }

    /// `user`'s IANA zone name (`SetMyZone`); nil: never set or cleared (the node's).
    public func zone(of user: String) throws -> String? { try preference(.zone, of: user) }

    /// `user`'s own delivery window (`setWindow`); nil: never set or cleared (the node's).
    public func window(of user: String) throws -> UserWindow? { try Self.userWindow(try preference(.window, of: user)) }

    /// `user`'s zone name and window, in one read; nil each: the node's.
    public func preferences(of user: String) throws -> (zone: String?, window: UserWindow?) {
        try withConnection { try preferences($0, of: user) }
    }

    private func preferences(_ connection: PostgresConnection, of user: String) throws -> (zone: String?, window: UserWindow?) {
        guard let row = try connection.query("SELECT time_zone, delivery_window FROM team_user WHERE name = \(user)",
                                             logger: logger).wait().first else { return (nil, nil) }
        let (zone, window) = try row.decode((String?, String?).self)
        return (zone, try Self.userWindow(window))
    }

    /// Sets (or with nil clears) `user`'s address, in one statement; the address as stored.
    /// Jobs already queued keep the address they were made for (`outbox.recipient`).
    @discardableResult
    public func setMail(of user: String, to mail: String?, at now: Date) throws -> String? {
        try withConnection { try setPreference($0, .mail, of: user, to: mail, at: now) }
    }

    /// Sets (or with nil clears) `user`'s zone and re-plans the computed reminders they own
    /// in it (`replan`, with the node's `rules`), in one transaction; the zone as stored
    /// and what moved. The caller checks the name (a node reads it with
    /// `TimeZone(identifier:)`). What they set for a time or moved by hand stays put.
    @discardableResult
    public func setZone(of user: String, to zone: String?, rules: TimingRules, at now: Date) throws -> (String?, ScheduleChanges) {
        try setReplanning(.zone, of: user, to: zone, rules: rules, at: now)
    }

    /// Sets (or with nil clears) `user`'s window and re-plans the computed reminders they
    /// own by it (`replan`, with the node's `rules`), in one transaction; the window as
    /// stored and what moved.
    @discardableResult
    public func setWindow(of user: String, to window: UserWindow?, rules: TimingRules, at now: Date) throws -> (UserWindow?, ScheduleChanges) {
        let (stored, changes) = try setReplanning(.window, of: user, to: try window.map(Self.json), rules: rules, at: now)
        return (try Self.userWindow(stored), changes)
    }

    private func preference(_ preference: Preference, of user: String) throws -> String? {
        try withConnection { connection in
            try connection.query("SELECT \(unescaped: preference.rawValue) FROM team_user WHERE name = \(user)", logger: logger)
                .wait().first?.decode(String?.self) ?? nil
        }
    }

    /// One preference set, and what `user` owns re-planned by it, in one transaction.
    private func setReplanning(_ preference: Preference, of user: String, to value: String?, rules: TimingRules,
                               at now: Date) throws -> (String?, ScheduleChanges) {
        let (stored, changes) = try transaction { connection in
            (try setPreference(connection, preference, of: user, to: value, at: now),
             try replan(connection, rules: rules, now: now, owner: user))
        }
        if !changes.scheduled.isEmpty { listener.tellLocally(changes) }
        return (stored, changes)
    }

    /// Upserts `user`'s row with one preference; the value as stored.
    private func setPreference(_ connection: PostgresConnection, _ preference: Preference, of user: String, to value: String?,
                               at now: Date) throws -> String? {
        let column = preference.rawValue
        return try connection.query("""
            INSERT INTO team_user (name, \(unescaped: column), updated_at, updated_by) VALUES (\(user), \(value), \(now), \(settings.node))
            ON CONFLICT (name) DO UPDATE SET \(unescaped: column) = EXCLUDED.\(unescaped: column), updated_at = EXCLUDED.updated_at,
                                             updated_by = EXCLUDED.updated_by
            RETURNING \(unescaped: column)
            """, logger: logger).wait().first!.decode(String?.self)
    }

    /// The rules `user`'s reminders are planned by: `rules` (the node's) read in the zone
    /// they set and with the window they set, if any (issue #16). In the caller's
    /// transaction; nil: the node's rules as they are.
    func rules(_ rules: TimingRules, of user: String?, _ connection: PostgresConnection) throws -> TimingRules {
        guard let user else { return rules }
        let (zone, window) = try preferences(connection, of: user)
        return Self.rules(rules, inZoneNamed: zone, window: window)
    }

    /// `rules` read in the zone named (a team user's) and with their window, each as it
    /// is for none.
    public static func rules(_ rules: TimingRules, inZoneNamed zone: String?, window: UserWindow?) -> TimingRules {
        var rules = zone.flatMap(TimeZone.init(identifier:)).map { rules.read(in: $0) } ?? rules
        if let window { rules.window = window.applied(to: rules.window) }
        return rules
    }

    /// A user's window from its stored JSON.
    static func userWindow(_ json: String?) throws -> UserWindow? {
        try json.map { try decodeJSON($0) }
    }
}
