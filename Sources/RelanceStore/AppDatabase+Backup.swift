import Foundation
import GRDB

/// Why a snapshot cannot be restored.
public struct RestoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

extension AppDatabase {
    /// The tables a snapshot holds, parents first (the order restores insert in).
    static let snapshotTables = ["contact", "outreach", "meeting", "event", "inboxItem", "reminder", "interaction",
                                 "delivery", "deliveryAttempt"]

    /// The snapshot format's version; bump it when the meaning of a field changes.
    public static let snapshotVersion = 1

    /// A complete, versioned JSON snapshot of the state: every row of every table,
    /// ordered by id, so the same state always gives the same bytes (`createdAt` aside).
    public func snapshot(createdAt: Date) throws -> Data {
        try writer.read { db in
            var tables: [String: Any] = [:]
            for table in Self.snapshotTables {
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id")
                tables[table] = rows.map { row -> [String: Any] in
                    var object: [String: Any] = [:]
                    for (column, value) in row {
                        switch value.storage {
                        case .null: object[column] = NSNull()
                        case .int64(let int): object[column] = int
                        case .double(let double): object[column] = double
                        case .string(let string): object[column] = string
                        case .blob(let data): object[column] = ["base64": data.base64EncodedString()]
                        }
                    }
                    return object
                }
            }
            let document: [String: Any] = [
                "format": "relance-backup",
                "version": Self.snapshotVersion,
                "schema": try Self.migrator.appliedMigrations(db),
                "createdAt": ISO8601DateFormatter().string(from: createdAt),
                "tables": tables,
            ]
            return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        }
    }

    /// True when there is nothing to lose (no contacts, reminders or inbox items).
    public func isEmpty() throws -> Bool {
        try writer.read { db in
            try ["contact", "reminder", "inboxItem", "event"].allSatisfy {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") == 0
            }
        }
    }

    /// Replaces the whole state with a snapshot, in ONE transaction: all of it or none.
    /// Refuses to run over a non-empty state unless `force`.
    public func restore(_ data: Data, force: Bool) throws {
        guard let document = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              document["format"] as? String == "relance-backup" else {
            throw RestoreError(reason: "not a Relance backup (no \"format\": \"relance-backup\")")
        }
        guard let version = document["version"] as? Int, version <= Self.snapshotVersion else {
            throw RestoreError(reason: "backup format version \(document["version"] ?? "?") is newer than this Relance understands (\(Self.snapshotVersion))")
        }
        guard let tables = document["tables"] as? [String: [[String: Any]]] else {
            throw RestoreError(reason: "the backup has no tables")
        }
        try writer.write { db in
            if !force, try !Self.tablesEmpty(db) {
                throw RestoreError(reason: "the store is not empty; restore with --force to replace everything in it")
            }
            for table in Self.snapshotTables.reversed() { try db.execute(sql: "DELETE FROM \(table)") }
            let known = Set(Self.snapshotTables)
            for name in tables.keys where !known.contains(name) {
                throw RestoreError(reason: "unknown table '\(name)' in the backup")
            }
            for table in Self.snapshotTables {
                let columns = Set(try db.columns(in: table).map(\.name))
                for (index, row) in (tables[table] ?? []).enumerated() {
                    for column in row.keys where !columns.contains(column) {
                        throw RestoreError(reason: "\(table)[\(index)]: unknown column '\(column)'")
                    }
                    let names = row.keys.sorted()
                    let values: [DatabaseValue] = try names.map { name in
                        switch row[name] {
                        case is NSNull, nil: return .null
                        case let number as NSNumber:
                            // Column affinity restores the storage class: a REAL column
                            // turns 5 back into 5.0, an INTEGER one keeps 5.
                            let double = number.doubleValue
                            return double == double.rounded() && abs(double) < 9e15
                                ? number.int64Value.databaseValue : double.databaseValue
                        case let string as String: return string.databaseValue
                        case let blob as [String: String]:
                            guard let base64 = blob["base64"], let data = Data(base64Encoded: base64) else {
                                throw RestoreError(reason: "\(table)[\(index)].\(name): bad binary value")
                            }
                            return data.databaseValue
                        default:
                            throw RestoreError(reason: "\(table)[\(index)].\(name): unexpected value")
                        }
                    }
                    try db.execute(sql: "INSERT INTO \(table) (\(names.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                                   arguments: StatementArguments(values))
                }
            }
            try db.checkForeignKeys()
        }
    }

    private static func tablesEmpty(_ db: Database) throws -> Bool {
        try ["contact", "reminder", "inboxItem", "event"].allSatisfy {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") == 0
        }
    }
}
