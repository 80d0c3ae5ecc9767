import ArgumentParser
import Foundation
import RelanceAPI
import VarlinkProtocol

/// `relancectl me`: who you are on a team node, and where your reminders are mailed.
struct MeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "me",
        abstract: "On a team node: your team user and the address your reminders are mailed to.",
        discussion: "relancectl me --mail lea@example.org sets it for every node; --no-mail stops mailing them.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Mail your reminders (and your contacts' follow-ups) to this address.")
    var mail: String?

    @Flag(help: "Stop mailing your reminders.")
    var noMail = false

    func validate() throws {
        if mail != nil && noMail { throw ValidationError("give --mail ADDRESS or --no-mail, not both") }
    }

    func run() async throws {
        try await Self.reporting {
            let user: String, address: String?
            if mail != nil || noMail {
                let reply = try await global.client.call(SetMyMail.self, SetMyMail.Parameters(mail: mail), options: ["mail": "--mail"])
                if global.json { return try Output.json(reply) }
                (user, address) = (reply.user, reply.mail)
            } else {
                let reply = try await global.client.call(GetMe.self, Empty())
                if global.json { return try Output.json(reply) }
                (user, address) = (reply.user, reply.mail)
            }
            print("\(user): " + (address.map { "your reminders are mailed to \($0)" }
                                 ?? "your reminders are not mailed (set an address with relancectl me --mail ADDRESS)"))
        }
    }
}
