import ArgumentParser
import Foundation
import RelanceAPI

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a complete, versioned JSON snapshot of the state to FILE (- for stdout).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Where to write it.") var file: String

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Backup.self, Empty())
            if file == "-" { return print(reply.snapshot) }
            do {
                try Data(reply.snapshot.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            } catch {
                throw CLIError(message: "cannot write \(file): \(error.localizedDescription)", code: 73)
            }
            if global.json { return try Output.json(["file": file]) }
            print("Backed up to \(file).")
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the whole state with a backup file or an automatic snapshot, in one transaction.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The backup file.") var file: String?
    @Option(name: .long, help: ArgumentHelp("Go back to this automatic snapshot (see `relancectl snapshots`); the present state is snapshotted first.", valueName: "id"))
    var snapshot: String?
    @Flag(name: .long, help: "Replace a state that is not empty (with a backup file).") var force = false

    func validate() throws {
        guard (file == nil) != (snapshot == nil) else {
            throw ValidationError("give a backup file or --snapshot ID (one of them)")
        }
    }

    func run() async throws {
        try await Self.reporting {
            var parameters = Restore.Parameters(force: force ? true : nil)
            if let snapshot {
                parameters.snapshotId = snapshot
            } else if let file {
                let url = URL(fileURLWithPath: file)
                guard let data = FileManager.default.contents(atPath: url.path) else {
                    throw CLIError(message: "cannot read \(file)", code: 66)
                }
                // Small snapshots travel in the call; larger ones (over the 1 MiB message
                // limit) are read by the daemon from the file.
                if data.count < 900 << 10 { parameters.snapshot = String(decoding: data, as: UTF8.self) } else { parameters.path = url.path }
            }
            let reply = try await global.client.call(Restore.self, parameters)
            if global.json { return try Output.json(reply) }
            print("Restored \(reply.contacts) contact\(reply.contacts == 1 ? "" : "s") and \(reply.pendingReminders) pending reminder\(reply.pendingReminders == 1 ? "" : "s").")
            if let id = reply.snapshotId { print("The state it replaced is snapshot \(id).") }
        }
    }
}

struct SnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "List the automatic snapshots (taken before every destructive or bulk command, and daily).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ListSnapshots.self, Empty())
            if global.json { return try Output.json(reply) }
            guard let directory = reply.directory else { return print("This store keeps no snapshots.") }
            guard !reply.snapshots.isEmpty else { return print("No snapshots yet in \(directory).") }
            let zone = Output.zone(reply.timeZone)
            Output.table(["ID", "TAKEN", "REASON", "SIZE"], reply.snapshots.map {
                [$0.id, Output.time($0.takenAt, in: zone), $0.reason, ByteCountFormatter.string(fromByteCount: Int64($0.size), countStyle: .file)]
            })
            print("Kept \(reply.keepDays) days in \(directory). Go back to one: relancectl restore --snapshot ID")
        }
    }
}
