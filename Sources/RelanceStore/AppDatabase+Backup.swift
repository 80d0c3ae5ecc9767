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
                                 "delivery", "deliveryAttempt", "meetingOffer", "holiday", "cancelledEvent", "bouncingAddress"]

    /// The snapshot format's version; bump it when the meaning of a field changes.
    public static let snapshotVersion = 1

    /// A complete, versioned JSON snapshot of the state: every row of every table,
    /// ordered by id, so the same state always gives the same bytes (`createdAt` aside).
    /// Numbers are written by `JSONEncoder`, whose shortest round-trip form restores the
    /// exact same doubles.
    public func snapshot(createdAt: Date) throws -> Data {
        try writer.read { db in
            var tables: [String: [[String: SnapshotValue]]] = [:]
            for table in Self.snapshotTables {
                tables[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY id").map { row in
                    var object: [String: SnapshotValue] = [:]
                    for (column, value) in row { object[column] = SnapshotValue(value) }
                    return object
                }
            }
            let document = Snapshot(format: "relance-backup", version: Self.snapshotVersion,
                                    schema: try Self.migrator.appliedMigrations(db),
                                    createdAt: ISO8601DateFormatter().string(from: createdAt), tables: tables)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            return try encoder.encode(document)
        }
    }

    /// Replaces the whole state with a snapshot, in ONE transaction: all of it or none.
    /// Refuses to run over a non-empty state unless `force`.
    public func restore(_ data: Data, force: Bool) throws {
        let document = try Self.decodeBackup(data)
        try writer.write { db in
            if !force, try !Self.tablesEmpty(db) { throw Self.notEmpty }
            for name in document.tables.keys where !Self.snapshotTables.contains(name) {
                throw RestoreError(reason: "unknown table '\(name)' in the backup")
            }
            for table in Self.snapshotTables.reversed() { try db.execute(sql: "DELETE FROM \(table)") }
            // Restored ids will be used again for new items: a new Message-ID namespace
            // keeps their mails from reusing the ids of mails already sent.
            try Self.renewMessageNamespace(db)
            for table in Self.snapshotTables {
                let columns = Set(try db.columns(in: table).map(\.name))
                for (index, row) in (document.tables[table] ?? []).enumerated() {
                    let names = row.keys.sorted()
                    for column in names where !columns.contains(column) {
                        throw RestoreError(reason: "\(table)[\(index)]: unknown column '\(column)'")
                    }
                    do {
                        try db.execute(sql: "INSERT INTO \(table) (\(names.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                                       arguments: StatementArguments(names.map { row[$0]!.databaseValue }))
                    } catch let error as DatabaseError {
                        throw RestoreError(reason: "\(table)[\(index)]: \(error.message ?? "\(error)")")
                    }
                }
            }
            do {
                try db.checkForeignKeys()
            } catch {
                throw RestoreError(reason: "the backup's rows do not fit together: \(error)")
            }
        }
    }

    /// Throws the `RestoreError` that `restore` would throw before touching anything (not
    /// a backup, too new, a non-empty store without `force`); the daemon asks first so a
    /// refused restore takes no automatic snapshot.
    public func checkRestorable(_ data: Data, force: Bool) throws {
        _ = try Self.decodeBackup(data)
        if !force, try writer.read({ try !Self.tablesEmpty($0) }) { throw Self.notEmpty }
    }

    private static let notEmpty = RestoreError(reason: "the store is not empty; restore with --force to replace everything in it")

    private static func decodeBackup(_ data: Data) throws -> Snapshot {
        let document: Snapshot
        do {
            document = try JSONDecoder().decode(Snapshot.self, from: data)
        } catch {
            throw RestoreError(reason: "not a Relance backup: \(error)")
        }
        guard document.format == "relance-backup" else {
            throw RestoreError(reason: "not a Relance backup (format is '\(document.format)')")
        }
        guard document.version <= Self.snapshotVersion else {
            throw RestoreError(reason: "backup format version \(document.version) is newer than this Relance understands (\(Self.snapshotVersion))")
        }
        return document
    }

    private static func tablesEmpty(_ db: Database) throws -> Bool {
        try ["contact", "reminder", "inboxItem", "event"].allSatisfy {
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") == 0
        }
    }
}

/// The snapshot document.
struct Snapshot: Codable {
    var format: String
    var version: Int
    var schema: [String]
    var createdAt: String
    var tables: [String: [[String: SnapshotValue]]]
}

/// One SQLite value in a snapshot.
enum SnapshotValue: Codable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let int): self = .integer(int)
        case .double(let double): self = .real(double)
        case .string(let string): self = .text(string)
        case .blob(let data): self = .blob(data)
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .integer(let int): int.databaseValue
        case .real(let double): double.databaseValue
        case .text(let string): string.databaseValue
        case .blob(let data): data.databaseValue
        }
    }

    private struct Blob: Codable { var base64: String }

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let int = try? container.decode(Int64.self) { self = .integer(int) }
        else if let double = try? container.decode(Double.self) { self = .real(double) }
        else if let string = try? container.decode(String.self) { self = .text(string) }
        else {
            let blob = try container.decode(Blob.self)
            guard let data = Data(base64Encoded: blob.base64) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad base64")
            }
            self = .blob(data)
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .integer(let int): try container.encode(int)
        case .real(let double): try container.encode(double)
        case .text(let string): try container.encode(string)
        case .blob(let data): try container.encode(Blob(base64: data.base64EncodedString()))
        }
    }
}
