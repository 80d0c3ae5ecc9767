import ArgumentParser
import Foundation
import RelanceAPI
import VarlinkProtocol

/// `relancectl me`: who you are on a team node, and where your reminders are mailed.
struct MeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "me",
        abstract: "On a team node: your team user, the address your reminders are mailed to, and your time zone.",
        discussion: """
            relancectl me --mail lea@example.org sets it for every node; --no-mail stops mailing them.
            relancectl me --zone Europe/Paris reads your times in that zone on every node; --no-zone: the node's zone again.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Mail your reminders (and your contacts' follow-ups) to this address.")
    var mail: String?

    @Flag(help: "Stop mailing your reminders.")
    var noMail = false

    @Option(help: "Read and show your times in this IANA time zone (Europe/Paris), on every node.")
    var zone: String?

    @Flag(help: "Use the node's time zone for your times again.")
    var noZone = false

    func validate() throws {
        if mail != nil && noMail { throw ValidationError("give --mail ADDRESS or --no-mail, not both") }
        if zone != nil && noZone { throw ValidationError("give --zone NAME or --no-zone, not both") }
    }

    func run() async throws {
        try await Self.reporting {
            // A zone is set first: a bad one changes nothing, the mail included.
            if zone != nil || noZone {
                let reply = try await global.client.call(SetMyZone.self, SetMyZone.Parameters(zone: zone), options: ["zone": "--zone"])
                if global.json && mail == nil && !noMail { return try Output.json(reply) }
                if !global.json { print("\(reply.user): " + Self.zoneLine(reply.zone, reply.timeZone)) }
                if mail == nil && !noMail { return }
            }
            if mail != nil || noMail {
                let reply = try await global.client.call(SetMyMail.self, SetMyMail.Parameters(mail: mail), options: ["mail": "--mail"])
                if global.json { return try Output.json(reply) }
                print("\(reply.user): " + Self.mailLine(reply.mail))
                return
            }
            let reply = try await global.client.call(GetMe.self, Empty())
            if global.json { return try Output.json(reply) }
            print("\(reply.user): " + Self.mailLine(reply.mail))
            print("\(reply.user): " + Self.zoneLine(reply.zone, reply.timeZone))
        }
    }

    static func mailLine(_ address: String?) -> String {
        address.map { "your reminders are mailed to \($0)" }
            ?? "your reminders are not mailed (set an address with relancectl me --mail ADDRESS)"
    }

    static func zoneLine(_ zone: String?, _ effective: String?) -> String {
        zone.map { "your times are read in \($0)" }
            ?? "your times are read in the node's zone\(effective.map { " (\($0))" } ?? "") (set yours with relancectl me --zone Europe/Paris)"
    }
}
