import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore

struct ContactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact",
        abstract: "Add, list, show, change, remove, forget and merge the people you write to.",
        subcommands: [ContactAdd.self, ContactList.self, ContactShow.self, ContactUpdate.self, ContactTouch.self,
                      ContactRemove.self, ContactForget.self, ContactMerge.self])
}

struct ContactAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a contact.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Full name, e.g. \"Ada Lovelace\".") var name: String
    @Option(name: .long, help: ArgumentHelp("E-mail address (repeatable).", valueName: "address")) var email: [String] = []
    @Option(name: .long, help: ArgumentHelp("Why this person: what you admire, what you hope to learn.", valueName: "text")) var why: String?
    @Option(name: [.customLong("org"), .long], help: ArgumentHelp("Company, lab or community.", valueName: "name")) var organization: String?
    @Option(name: [.customLong("tz"), .customLong("time-zone")], help: ArgumentHelp("Their IANA time zone, e.g. Europe/Paris.", valueName: "zone")) var timeZone: String?
    @Option(name: .long, help: ArgumentHelp("Other handle as network=value, e.g. linkedin=https://… (repeatable).", valueName: "network=value")) var handle: [String] = []
    @Option(name: .long, help: ArgumentHelp("Label (repeatable).", valueName: "tag")) var tag: [String] = []
    @Option(name: .long, help: ArgumentHelp("Free-form notes.", valueName: "text")) var notes: String?
    @Option(name: .long, help: ArgumentHelp("Remind me when nothing has happened for this long: P90D, 60bd.", valueName: "wait")) var keepInTouch: String?
    @OptionGroup var details: ContactDetailOptions
    @Flag(name: .long, help: "Add it even if another contact has one of its e-mail addresses or profile URLs.") var allowDuplicate = false

    func run() async throws {
        try await Self.reporting {
            var handles: [String: String] = [:]
            for entry in handle {
                guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                    throw CLIError(message: "--handle '\(entry)': write network=value, e.g. linkedin=https://www.linkedin.com/in/ada", code: 64)
                }
                handles[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
            }
            let reply = try await global.client.call(AddContact.self, .init(
                name: name, emails: email, handles: handles, organization: organization, timeZone: timeZone,
                why: why, tags: tag, notes: notes, keepInTouch: keepInTouch, phones: details.phones, title: details.title,
                department: details.department, websites: details.websites, givenName: details.givenName,
                familyName: details.familyName, birthday: details.birthday, photo: details.photo,
                allowDuplicate: allowDuplicate ? true : nil))
            if global.json { return try Output.json(reply) }
            print("Added \(reply.contact.name) (#\(reply.contact.id)).")
        }
    }
}

struct ContactList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List contacts.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only contacts whose name, organization, title, department, phone or web site contains this text.") var query: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ListContacts.self, .init(query: query))
            if global.json { return try Output.json(reply) }
            guard !reply.contacts.isEmpty else { return print("No contacts yet. Add one: relancectl contact add \"Ada Lovelace\" --email ada@example.com") }
            // A team node says whose each contact is; a personal daemon has no owners.
            let owners = reply.contacts.contains { $0.owner != nil }
            Output.table(["CONTACT #", "NAME", "E-MAIL", "ORGANIZATION", "TIME ZONE"] + (owners ? ["OWNER"] : []), reply.contacts.map {
                ["\($0.id)", $0.name, $0.emails.first ?? "—", $0.organization ?? "—", $0.timeZone ?? "—"] + (owners ? [$0.owner ?? "—"] : [])
            })
        }
    }
}

struct ContactShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a contact and its outreach.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Id or part of the name.") var contact: String

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(GetContact.self, .init(contact: contact))
            if global.json { return try Output.json(reply) }
            let userZone = Output.zone(reply.timeZone)
            let c = reply.contact
            print("\(c.name) (#\(c.id))")
            if !c.emails.isEmpty { print("  e-mail:       \(c.emails.joined(separator: ", "))") }
            for bounce in reply.bouncing {
                print("  bouncing:     \(bounce.address) since \(Output.time(bounce.since, in: userZone))"
                      + (bounce.reason.map { " (\($0))" } ?? "") + " — check the address")
            }
            for (network, value) in c.handles.sorted(by: { $0.key < $1.key }) { print("  \(network):".padding(toLength: 16, withPad: " ", startingAt: 0) + value) }
            if let given = c.givenName { print("  given name:   \(given)") }
            if let family = c.familyName { print("  family name:  \(family)") }
            if let title = c.title { print("  title:        \(title)") }
            if let organization = c.organization { print("  organization: \(organization)") }
            if let department = c.department { print("  department:   \(department)") }
            if !c.phones.isEmpty { print("  phone:        \(c.phones.joined(separator: ", "))") }
            for site in c.websites { print("  web:          \(site)") }
            if let birthday = c.birthday { print("  birthday:     \(birthday)") }
            if let photo = c.photo { print("  photo:        \(photo)") }
            if let zone = c.timeZone { print("  time zone:    \(zone)") }
            if let why = c.why { print("  why:          \(why)") }
            if !c.tags.isEmpty { print("  tags:         \(c.tags.joined(separator: ", "))") }
            if let notes = c.notes { print("  notes:        \(notes)") }
            if let cadence = c.keepInTouch { print("  keep in touch: \(HumanDuration.every(text: cadence))") }
            print("  added:        \(Output.time(c.createdAt, in: userZone))")
            if !reply.outreach.isEmpty {
                print("")
                OutreachList.printTable(reply.outreach, zone: userZone)
            }
        }
    }
}

struct ContactUpdate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update", abstract: "Change a contact; a new time zone or cadence re-plans its reminders.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Id or part of the name.") var contact: String
    @Option(name: .long, help: ArgumentHelp("New full name.", valueName: "name")) var name: String?
    @Option(name: .long, help: ArgumentHelp("E-mail addresses, replacing the old ones (repeatable).", valueName: "address")) var email: [String] = []
    @Option(name: .long, help: ArgumentHelp("Why this person.", valueName: "text")) var why: String?
    @Option(name: [.customLong("org"), .long], help: ArgumentHelp("Company, lab or community (\"\" clears).", valueName: "name")) var organization: String?
    @Option(name: [.customLong("tz"), .customLong("time-zone")], help: ArgumentHelp("IANA time zone (\"\" clears).", valueName: "zone")) var timeZone: String?
    @Option(name: .long, help: ArgumentHelp("Labels, replacing the old ones (repeatable).", valueName: "tag")) var tag: [String] = []
    @Option(name: .long, help: ArgumentHelp("Notes (\"\" clears).", valueName: "text")) var notes: String?
    @Option(name: .long, help: ArgumentHelp("Keep-in-touch cadence (P90D, 60bd, never).", valueName: "wait")) var keepInTouch: String?
    @OptionGroup var details: ContactDetailOptions

    func run() async throws {
        try await Self.reporting {
            // --phone/--website replace the old ones; a single empty one clears them.
            func replacing(_ values: [String]) -> [String]? { values.isEmpty ? nil : values.filter { !$0.isEmpty } }
            let reply = try await global.client.call(UpdateContact.self, .init(
                contact: contact, name: name, emails: email.isEmpty ? nil : email, organization: organization,
                timeZone: timeZone, why: why, tags: tag.isEmpty ? nil : tag, notes: notes, keepInTouch: keepInTouch,
                phones: replacing(details.phone), title: details.title, department: details.department,
                websites: replacing(details.website), givenName: details.givenName, familyName: details.familyName,
                birthday: details.birthday, photo: details.photo))
            if global.json { return try Output.json(reply) }
            print("Updated \(reply.contact.name) (#\(reply.contact.id)).")
        }
    }
}

struct ContactTouch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "touch", abstract: "Log that you were in touch (met, talked, wrote): keep-in-touch counts from now.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Id or part of the name.") var contact: String
    @Option(name: .long, help: ArgumentHelp("What happened.", valueName: "text")) var note: String?
    @Option(name: .long, help: ArgumentHelp("When (default: now).", valueName: "when")) var at: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(TouchContact.self, .init(contact: contact, at: at, note: note),
                                                     options: ["at": "--at"])
            if global.json { return try Output.json(reply) }
            print("Noted: in touch with \(reply.contact.name).")
        }
    }
}

struct ContactRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a contact with its outreach, meetings, reminders and inbox items (a snapshot is taken first).")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Id or part of the name.") var contact: String
    @Flag(name: .long, help: "Remove it even with outreach awaiting a reply.") var force = false

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(RemoveContact.self, .init(contact: contact, force: force ? true : nil))
            if global.json { return try Output.json(reply) }
            print(ContactForget.describe("Removed", reply))
        }
    }
}

struct ContactForget: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Forget a person and everything about them (a privacy request); never refuses.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Id or part of the name.") var contact: String

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(ForgetContact.self, .init(contact: contact))
            if global.json { return try Output.json(reply) }
            print(Self.describe("Forgot", reply))
        }
    }

    /// "Removed Ada Lovelace, 2 outreach, 5 reminders, 3 inbox items. Undo: relancectl restore --snapshot ID"
    static func describe(_ verb: String, _ reply: ContactRemovalReply) -> String {
        var line = "\(verb) \(reply.name)" + ContactMerge.footprint(reply.removed).map { ", " + $0 }.joined() + "."
        if let id = reply.snapshotId { line += "\nUndo: relancectl restore --snapshot \(id)" }
        return line
    }
}

struct ContactMerge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the second contact into the first: its history moves over, empty fields are filled, it is removed.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The contact to keep (id or part of the name).") var into: String
    @Argument(help: "The contact merged into it and removed.") var from: String

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(MergeContacts.self, .init(into: into, from: from))
            if global.json { return try Output.json(reply) }
            let moved = Self.footprint(reply.moved)
            print("Merged \(reply.merged) into \(reply.contact.name) (#\(reply.contact.id))"
                  + (moved.isEmpty ? "" : ": moved " + moved.joined(separator: ", ")) + ".")
            if let id = reply.snapshotId { print("Undo: relancectl restore --snapshot \(id)") }
        }
    }

    /// ["2 outreach", "5 reminders", "3 inbox items"]: the non-zero counts.
    static func footprint(_ f: ContactFootprintInfo) -> [String] {
        func count(_ n: Int, _ one: String, _ many: String) -> String? { n == 0 ? nil : "\(n) \(n == 1 ? one : many)" }
        return [count(f.outreach, "outreach", "outreach"), count(f.interactions, "interaction", "interactions"),
                count(f.meetings, "meeting", "meetings"), count(f.reminders, "reminder", "reminders"),
                count(f.inboxItems, "inbox item", "inbox items"), count(f.deliveries, "delivery", "deliveries")].compactMap { $0 }
    }
}

/// The fields address books carry, shared by `contact add` and `contact update`.
struct ContactDetailOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Phone number (repeatable; update: replaces, \"\" clears).", valueName: "number")) var phone: [String] = []
    @Option(name: .long, help: ArgumentHelp("Job title (update: \"\" clears).", valueName: "title")) var title: String?
    @Option(name: .long, help: ArgumentHelp("Department within the organization.", valueName: "name")) var department: String?
    @Option(name: .long, help: ArgumentHelp("Web site (repeatable; update: replaces, \"\" clears).", valueName: "url")) var website: [String] = []
    @Option(name: .long, help: ArgumentHelp("Given name, what drafts greet them by (default: the first word of the name that is not a title such as Dr.).", valueName: "name")) var givenName: String?
    @Option(name: .long, help: ArgumentHelp("Family name.", valueName: "name")) var familyName: String?
    @Option(name: .long, help: ArgumentHelp("Birthday: 1906-12-09, or --birthday=--12-09 without the year.", valueName: "date")) var birthday: String?
    @Option(name: .long, help: ArgumentHelp("A photo's address (https://… or file://…).", valueName: "uri")) var photo: String?

    var phones: [String]? { phone.isEmpty ? nil : phone }
    var websites: [String]? { website.isEmpty ? nil : website }
}
