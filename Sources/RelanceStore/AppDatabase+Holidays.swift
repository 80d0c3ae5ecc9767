import Foundation
import GRDB
import RelanceCore

/// A day off imported from a holiday calendar (`relancectl import --holidays`).
public struct ImportedHoliday: Sendable, Hashable, Codable {
    /// The day.
    public var date: LocalDate
    /// What it is ("Noël").
    public var name: String
    /// The file it came from.
    public var source: String

    /// A holiday from its parts.
    public init(date: LocalDate, name: String, source: String) {
        self.date = date; self.name = name; self.source = source
    }
}

extension AppDatabase {
    /// Every imported holiday, by date.
    public func holidays() throws -> [ImportedHoliday] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT date, name, source FROM holiday ORDER BY date").compactMap { row in
                LocalDate(row[0] as String).map { ImportedHoliday(date: $0, name: row[1], source: row[2]) }
            }
        }
    }

    /// Adds the holidays not stored yet and re-plans the pending reminders under the
    /// rules they make, in ONE transaction, so no follow-up stays on a new day off.
    ///
    /// - Parameter rules: the timing rules given every stored holiday's date.
    /// - Returns: the days added (the others were known), and the reminders moved.
    public func importHolidays(_ holidays: [ImportedHoliday], rules: (Set<LocalDate>) -> TimingRules,
                               now: Date) throws -> (added: [ImportedHoliday], changes: ScheduleChanges) {
        try writer.write { db in
            var added: [ImportedHoliday] = []
            for holiday in holidays {
                try db.execute(sql: "INSERT OR IGNORE INTO holiday (date, name, source, importedAt) VALUES (?, ?, ?, ?)",
                               arguments: [holiday.date.description, holiday.name, holiday.source, now.timeIntervalSince1970])
                if db.changesCount > 0 { added.append(holiday) }
            }
            let all = Set(try String.fetchAll(db, sql: "SELECT date FROM holiday").compactMap { LocalDate($0) })
            let changes = try Self.replan(db, rules: rules(all), now: now, filter: nil, arguments: [])
            return (added, changes)
        }
    }
}
