import ArgumentParser
import Foundation
import RelanceAPI

/// `relancectl migrate --from sqlite FILE`: a personal store copied into a team store.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy your personal store (a relance.sqlite file) into the team store of the node you talk to.",
        discussion: """
            All of it or nothing, in one transaction; the file is only read. Contacts become yours \
            (one whose e-mail address the team already has is linked to that contact), outreach is \
            signed by you, pending reminders fire from the team. Running it again copies only what \
            was added since. Stop your personal relanced first, so nothing fires twice.
            """)

    /// The store formats `--from` takes.
    enum Format: String, ExpressibleByArgument, CaseIterable { case sqlite }

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: ArgumentHelp("The kind of store FILE is.", valueName: "sqlite")) var from: Format
    @Argument(help: "The personal store file (default place: ~/.local/state/relance/relance.sqlite).") var file: String

    func run() async throws {
        try await Self.reporting {
            // The node reads the file itself: it gets the path as this shell means it.
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            let reply = try await global.client.call(MigrateFromSQLite.self, MigrateFromSQLite.Parameters(path: path))
            if global.json { return try Output.json(reply) }
            print(reply.summary)
        }
    }
}
