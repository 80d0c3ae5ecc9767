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
            relancectl me --window-days mon,tue --window-hours 09:00-12:00,14:00-18:00 sets your delivery window (your \
            follow-ups wait for it, in your zone); --window-off: none; --no-window: the node's [window] again.
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

    @Option(help: ArgumentHelp("Your window's open days, comma-separated (default mon-fri).", valueName: "mon,tue,..."))
    var windowDays: String?

    @Option(help: ArgumentHelp("Your window's open hours on those days, comma-separated (default 09:00-18:00).",
                               valueName: "09:00-12:00,..."))
    var windowHours: String?

    @Flag(help: "No delivery window for you: your reminders fire when they come due.")
    var windowOff = false

    @Flag(help: "Use the node's [window] again.")
    var noWindow = false

    private var setsWindow: Bool { windowDays != nil || windowHours != nil || windowOff || noWindow }

    func validate() throws {
        if mail != nil && noMail { throw ValidationError("give --mail ADDRESS or --no-mail, not both") }
        if zone != nil && noZone { throw ValidationError("give --zone NAME or --no-zone, not both") }
        if noWindow && (windowDays != nil || windowHours != nil || windowOff) {
            throw ValidationError("--no-window goes alone: it gives you the node's window back")
        }
        if setsWindow && (zone != nil || noZone || mail != nil || noMail) {
            throw ValidationError("set your window on its own (one change per call): relancectl me --window-hours …")
        }
    }

    func run() async throws {
        try await Self.reporting {
            if setsWindow {
                let list = { (text: String?) in text.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } }
                let reply = try await global.client.call(
                    SetMyWindow.self, SetMyWindow.Parameters(days: list(windowDays), hours: list(windowHours), off: windowOff ? true : nil),
                    options: ["days": "--window-days", "hours": "--window-hours", "off": "--window-off"])
                if global.json { return try Output.json(reply) }
                return print("\(reply.user): " + Self.windowLine(reply.window))
            }
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
            print("\(reply.user): " + Self.windowLine(reply.window))
        }
    }

    static func windowLine(_ window: String?) -> String {
        switch window {
        case nil: "your delivery window is the node's [window] (set yours with relancectl me --window-hours 09:00-18:00)"
        case "off"?: "you have no delivery window: your reminders fire when they come due"
        case let window?: "your delivery window is \(window), in your zone"
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
