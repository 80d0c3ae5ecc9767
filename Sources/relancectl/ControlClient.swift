import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore
import VarlinkProtocol
import VarlinkTransport

/// Typed calls to io.relance.Control over the Unix socket, with errors turned into one
/// clear line for a person.
struct ControlClient {
    let socketPath: String
    /// How long to wait for a reply (socket activation included).
    var timeout: Duration = .seconds(15)

    /// Refuses a socket in a shared directory another user could have prepared.
    private func checkSocket() throws {
        do { try RelancePaths().checkSocketDirectory(of: socketPath) } catch {
            throw CLIError(message: "refusing to talk to \(socketPath): \(error)", code: 77)
        }
    }

    /// Calls one method on a connection of its own. `options` names, for an
    /// `InvalidParameter` about a parameter the user typed, the option it came from
    /// ("at" -> "when"): the message then reads as a usage error, exit 64.
    func call<M: ControlMethod>(_ method: M.Type, _ parameters: M.Parameters,
                                options: [String: String] = [:]) async throws -> M.Reply {
        try session(options: options) { try $0.call(method, parameters) }
    }

    /// Runs `body` on ONE connection: a command that needs several calls makes them all
    /// on it (issue #15). A plain blocking socket: a command waits for its answer anyway,
    /// and no event loop has to start. Each read and write waits at most `timeout`.
    func session<T>(options: [String: String] = [:], _ body: (ControlSession) throws -> T) throws -> T {
        try checkSocket()
        do {
            return try body(ControlSession(connection: try BlockingVarlinkConnection(path: socketPath, timeout: timeout)))
        } catch VarlinkClientError.timedOut {
            throw Self.noAnswer(within: timeout, socketPath: socketPath)
        } catch {
            throw Self.explain(error, socketPath: socketPath, options: options)
        }
    }

    /// Calls a streaming method and hands every reply to `body` until the daemon stops.
    func stream<M: ControlMethod>(_ method: M.Type, _ parameters: M.Parameters,
                                  _ body: @escaping (M.Reply) throws -> Void) async throws {
        try checkSocket()
        let call = try VarlinkCall(method: M.qualifiedName, parameters: Self.fields(parameters))
        do {
            try await VarlinkClient.connect(path: socketPath) { connection in
                try await connection.stream(call) { fields in
                    try body(try JSONValue.object(fields).decode(as: M.Reply.self))
                    return true
                }
            }
        } catch {
            throw Self.explain(error, socketPath: socketPath)
        }
    }

    /// The error for a daemon that does not answer: what to check.
    static func noAnswer(within timeout: Duration, socketPath: String) -> CLIError {
        CLIError(message: """
            no answer from relanced at \(socketPath) within \(timeout.components.seconds) s. \
            Is it starting or stuck? Check `systemctl --user status relanced` and `journalctl --user -u relanced`.
            """, code: 75)
    }

    static func fields<T: Encodable>(_ value: T) throws -> [String: JSONValue] {
        guard case .object(let fields) = try JSONValue(encoding: value) else { return [:] }
        return fields
    }

    /// One line that says what went wrong and what to do.
    static func explain(_ error: Error, socketPath: String, options: [String: String] = [:]) -> Error {
        switch error {
        case let error as VarlinkError where error.name == "io.relance.Control.InvalidParameter":
            guard case .string(let parameter)? = error.parameters["parameter"], let option = options[parameter],
                  case .string(let reason)? = error.parameters["reason"] else { return CLIError(message: describe(error), code: 1) }
            return CLIError(message: "\(option): \(reason)", code: 64)
        case VarlinkClientError.cannotConnect(let path, let reason):
            return CLIError(message: """
                relanced is not running (cannot connect to \(path): \(reason)). \
                Start it with `relanced` (or `systemctl --user start relanced.socket`), or point --socket at its socket.
                """, code: 69)
        case let error as CLIError:
            return error
        case let error as VarlinkError:
            return CLIError(message: describe(error), code: 1)
        default:
            return CLIError(message: "\(error)", code: 1)
        }
    }

    static func describe(_ error: VarlinkError) -> String {
        func string(_ key: String) -> String {
            if case .string(let value)? = error.parameters[key] { return value }
            if case .number(let value)? = error.parameters[key] { return String(Int64(value)) }
            return "?"
        }
        switch error.name {
        case "io.relance.Control.ContactNotFound":
            var suggestions: [String] = []
            if case .array(let values)? = error.parameters["suggestions"] {
                suggestions = values.compactMap { if case .string(let s) = $0 { "'\(s)'" } else { nil } }
            }
            return "no contact matches '\(string("query"))'"
                + (suggestions.isEmpty ? "; see `relancectl contact list`" : "; did you mean \(suggestions.joined(separator: " or "))?")
        case "io.relance.Control.AmbiguousContact":
            var candidates: [String] = []
            if case .array(let values)? = error.parameters["candidates"] {
                candidates = values.compactMap { if case .string(let s) = $0 { s } else { nil } }
            }
            return "'\(string("query"))' matches several contacts: \(candidates.joined(separator: ", ")); use the id or more of the name"
        case "io.relance.Control.OutreachNotFound":
            return "no outreach with id \(string("id")); see `relancectl outreach list`"
        case "io.relance.Control.InboxItemNotFound":
            return "no inbox item with id \(string("id")); see `relancectl inbox --all`"
        case "io.relance.Control.MeetingNotFound":
            return "no meeting with id \(string("id")); see `relancectl meeting list`"
        case "io.relance.Control.DuplicateMeeting":
            return "meeting #\(string("id")) with them starts at that time already (\(string("startsAt"))); add --force to have both"
        case "io.relance.Control.EventNotFound":
            return "no event with id \(string("id")); see `relancectl event list`"
        case "io.relance.Control.OccurrenceNotFound":
            return "event #\(string("event")) has no occurrence starting at \(string("at"))"
                + (error.parameters["next"] == nil ? "" : "; the next one starts at \(string("next"))")
        case "io.relance.Control.ReminderNotFound":
            return "no reminder with id \(string("id")); see `relancectl upcoming`"
        case "io.relance.Control.ReminderNotPending":
            return "reminder #\(string("id")) is \(string("state")), not pending: nothing to change"
        case "io.relance.Control.InvalidParameter":
            return "invalid \(string("parameter")): \(string("reason"))"
        case "io.relance.Control.ImportRejected":
            var lines = ["nothing imported: some records cannot be read"]
            if let report = try? error.parameters["report"]?.decode(as: ImportReportInfo.self) {
                let valid = report.added + report.merged
                // "3 rejected, 50 valid not imported": what was lost, not only what failed.
                lines = ["nothing imported: \(report.rejected) rejected, \(valid) valid not imported"]
                lines += report.rejections.map { "  \($0)" }
                lines.append(valid == 0 ? "Fix them and import again."
                    : "Fix them, or run again with --skip-invalid to import the \(valid) other record\(valid == 1 ? "" : "s").")
            }
            return lines.joined(separator: "\n")
        case "io.relance.Control.RestoreRefused":
            return "restore refused, nothing changed: \(string("reason"))"
        case "io.relance.Control.DuplicateContact":
            return "\(string("existing")) already has \(string("field")) '\(string("value"))'; nothing added. "
                + "Add it anyway with --allow-duplicate, or merge them with `relancectl contact merge`"
        case "io.relance.Control.ContactHasOpenOutreach":
            var ids: [String] = []
            if case .array(let values)? = error.parameters["outreach"] {
                ids = values.compactMap { if case .number(let n) = $0 { "#\(Int64(n))" } else { nil } }
            }
            return "\(string("contact")) has outreach awaiting a reply (\(ids.joined(separator: ", "))); nothing removed. "
                + "Record the reply first (`relancectl reply`), or remove with --force"
        case "io.relance.Control.AlreadyContacted":
            // "Ada Lovelace was contacted by lea on 3 Dec 2026, awaiting reply": before a
            // second person of the team writes to them too.
            let sentAt = JSONCoding.parseDate(string("sentAt")).map { HumanTime.date($0, in: Output.zone(string("timeZone"))) } ?? string("sentAt")
            return "\(string("contact")) was contacted by \(string("by")) on \(sentAt), \(string("state").replacingOccurrences(of: "_", with: " ")); "
                + "nothing logged. Leave it to them, or log yours anyway with --anyway"
        case "io.relance.Control.NotATeamUser":
            return "this team node serves no team user with uid \(string("uid")); ask whoever runs it to add "
                + "`yourname = \(string("uid"))` under [team.users] in its configuration"
        case "io.relance.Control.SnapshotNotFound":
            return "no snapshot '\(string("id"))'; see `relancectl snapshots`"
        case "io.relance.Control.NotOnTeamNode":
            return "a team node does not serve \(string("method")): \(string("reason"))"
        case "io.relance.Control.SnapshotFailed":
            return "nothing changed: the automatic snapshot could not be taken: \(string("reason"))"
        case "io.relance.Control.ConfigurationInvalid":
            return "configuration rejected, the previous one stays in force: \(string("reason"))"
        default:
            return error.description
        }
    }
}

/// One connection to the daemon, for the calls of one command.
struct ControlSession {
    let connection: BlockingVarlinkConnection

    func call<M: ControlMethod>(_ method: M.Type, _ parameters: M.Parameters) throws -> M.Reply {
        let call = try VarlinkCall(method: M.qualifiedName, parameters: ControlClient.fields(parameters))
        return try JSONValue.object(try connection.call(call)).decode(as: M.Reply.self)
    }
}

/// A failure already explained for a person, with the exit code to use.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let code: Int32
    var description: String { message }
}

extension ParsableCommand {
    /// Runs `body`, printing a `CLIError` as one line on stderr and exiting with its code.
    static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("relancectl: \(error.message)\n".utf8))
            throw ExitCode(error.code)
        }
    }
}
