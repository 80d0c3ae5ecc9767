import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// The team's days off from holiday calendars (`relancectl import --holidays`, v16), as
/// the personal store keeps its own: added and planned around in one transaction, and
/// announced to every node, which plans with them from then on.
extension TeamStore {
    /// Every imported day off, by date.
    public func holidays() throws -> [ImportedHoliday] {
        try withConnection { connection in
            try connection.query("SELECT day, name, source FROM holiday ORDER BY day", logger: logger).wait().compactMap { row in
                let (day, name, source) = try row.decode((String, String, String).self)
                return LocalDate(day).map { ImportedHoliday(date: $0, name: name, source: source) }
            }
        }
    }

    /// Adds the days not stored yet and re-plans the team's pending reminders under the
    /// rules they make, in ONE transaction, so no follow-up stays on a new day off.
    ///
    /// - Parameter rules: the node's timing rules given every stored day off.
    /// - Returns: the days added (the others were known).
    public func importHolidays(_ holidays: [ImportedHoliday], by user: String?, rules: (Set<LocalDate>) -> TimingRules,
                               now: Date) throws -> [ImportedHoliday] {
        let (added, changes) = try transaction { connection in
            let fresh = Set(try connection.query("""
                INSERT INTO holiday (day, name, source, imported_by, imported_at)
                SELECT day, name, source, \(user), \(now)
                FROM unnest(\(holidays.map(\.date.description)), \(holidays.map(\.name)), \(holidays.map(\.source))) AS h(day, name, source)
                ON CONFLICT (day) DO NOTHING
                RETURNING day
                """, logger: logger).wait().map { try $0.decode(String.self) })
            let all = Set(try connection.query("SELECT day FROM holiday", logger: logger).wait()
                .compactMap { LocalDate(try $0.decode(String.self)) })
            return (holidays.filter { fresh.contains($0.date.description) }, try replan(connection, rules: rules(all), now: now))
        }
        if !changes.scheduled.isEmpty { listener.tellLocally(changes) }
        return added
    }

    /// Calls `sink` when another node changed the team's days off (on an event loop:
    /// hand it off before calling the store). Call after `observeReminders`, which starts
    /// the listener.
    public func observeHolidays(_ sink: @escaping @Sendable () -> Void) {
        listener.addHolidaySink(sink)
    }
}
