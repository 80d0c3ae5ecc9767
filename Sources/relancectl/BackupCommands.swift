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
        commandName: "restore", abstract: "Replace the whole state with a backup, in one transaction.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The backup file.") var file: String
    @Flag(name: .long, help: "Replace a state that is not empty.") var force = false

    func run() async throws {
        try await Self.reporting {
            let url = URL(fileURLWithPath: file)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw CLIError(message: "cannot read \(file)", code: 66)
            }
            // Small snapshots travel in the call; larger ones (over the 1 MiB message
            // limit) are read by the daemon from the file.
            var parameters = Restore.Parameters(force: force)
            if data.count < 900 << 10 { parameters.snapshot = String(decoding: data, as: UTF8.self) } else { parameters.path = url.path }
            let reply = try await global.client.call(Restore.self, parameters)
            if global.json { return try Output.json(reply) }
            print("Restored \(reply.contacts) contact\(reply.contacts == 1 ? "" : "s") and \(reply.pendingReminders) pending reminder\(reply.pendingReminders == 1 ? "" : "s").")
        }
    }
}
