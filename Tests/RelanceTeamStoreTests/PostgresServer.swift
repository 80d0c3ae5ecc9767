import Foundation
import Logging
import RelanceCore
import RelanceStore
import RelanceTeamStore

/// A real PostgreSQL for one test, started by the repo's harness
/// (`Tests/harness/postgres-server`) in a temporary folder, stopped when released.
final class PostgresServer: @unchecked Sendable {
    let folder: URL
    let url: String

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("harness/postgres-server").path

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("relance-pg-\(UUID().uuidString.prefix(8))")
        url = try Self.run("start", folder.path).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit { _ = try? Self.run("stop", folder.path); try? FileManager.default.removeItem(at: folder) }

    /// Stops the server (fast shutdown) and starts it again on the same data.
    func stop() throws { _ = try Self.run("stop", folder.path) }

    /// Runs SQL as the superuser, through psql on the server's socket.
    @discardableResult
    func psql(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let runAs = getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []
        process.arguments = runAs + ["psql", "-h", folder.path, "-U", "postgres", "-d", "relance", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]
        return try Self.output(of: process)
    }

    @discardableResult
    static func run(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: script)
        process.arguments = arguments
        return try output(of: process)
    }

    static func output(of process: Process) throws -> String {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(message: "\(process.arguments ?? []): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct Failure: Error, CustomStringConvertible { var message: String; var description: String { message } }
}

extension PostgresServer {
    /// A team store on this server, standing for the node `name` (each suite's stores
    /// are its nodes).
    func node(_ name: String) throws -> TeamStore {
        try TeamStore.open(TeamStoreSettings(url: url, node: name), logger: Logger(label: "team-test-\(name)"))
    }
}

/// Shorthands for the tests that add no keep-in-touch cadence: the rules then plan
/// nothing, so any zone does.
extension TeamStore {
    func addContact(_ draft: ContactDraft, owner: String, now: Date, allowDuplicate: Bool = false) throws -> TeamContact {
        precondition(draft.keepInTouch == nil, "a cadence needs the test's own rules")
        return try addContact(draft, owner: owner, now: now, rules: TimingRules(userZone: .gmt), allowDuplicate: allowDuplicate)
    }

    func recordReply(outreachID: Int64, outcome: ReplyOutcome, at date: Date,
                     meeting: (draft: MeetingDraft, by: String, rules: TimingRules, now: Date)? = nil)
        throws -> (TeamOutreach, cancelled: [Int64], TeamMeeting?, [Reminder]) {
        try recordReply(outreachID: outreachID, outcome: outcome, at: date, by: nil,
                        rules: meeting?.rules ?? TimingRules(userZone: .gmt),
                        meeting: meeting.map { (draft: $0.draft, by: $0.by, now: $0.now) })
    }
}
