import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore

struct DraftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "draft",
        abstract: "Print a short, polite follow-up for an outreach, for you to send yourself.",
        discussion: """
            Each step has its own wording (first nudge, second nudge, last note), in English or \
            French ([user] language). A file in templates/ beside the configuration file replaces \
            one: first-nudge.txt, second-nudge.txt, last-note.txt (or first-nudge.fr.txt…; the \
            older follow-up.txt serves every step). Its first line may be "Subject: …". \
            Placeholders: {first_name} {name} {ask} {sent_date} {channel} {my_name} {pitch} \
            {signature} {why} {because} {why_line} {who_line}.

            --mail writes a ready RFC 5322 message (To, Subject, and In-Reply-To when the \
            outreach was logged with --message-id) to standard output, or with --maildir into \
            a Maildir folder such as ~/Mail/Drafts, where your mail client opens it as a draft. \
            Relance never writes to a contact itself.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The outreach id.") var outreach: Int64
    @Flag(name: .long, help: "Write a complete mail message (RFC 5322) instead of the text.") var mail = false
    @Option(name: .long, help: ArgumentHelp("Put the message in this Maildir folder (e.g. ~/Mail/Drafts) instead of printing it; implies --mail.",
                                            valueName: "folder")) var maildir: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(Draft.self, .init(outreach: outreach))
            guard mail || maildir != nil else {
                if global.json { return try Output.json(reply) }
                print("Subject: \(reply.subject)\n")
                print(reply.body)
                return
            }
            let host = ProcessInfo.processInfo.hostName.isEmpty ? "localhost" : ProcessInfo.processInfo.hostName
            let message = DraftMail(
                fromName: reply.fromName, fromAddress: reply.fromAddress, toName: reply.toName, toAddress: reply.toAddress,
                subject: reply.mailSubject,
                body: reply.body, inReplyTo: reply.inReplyTo,
                messageID: "relance-draft.\(UUID().uuidString.lowercased())@\(Self.messageIDHost(host))", date: Date())
            let text = message.rendered()
            guard let maildir else { return print(text, terminator: "") }
            let path = try Self.deliver(text, toMaildir: NSString(string: maildir).expandingTildeInPath, host: host)
            if global.json { return try Output.json(["file": path]) }
            print("Draft for \(reply.toName) saved in \(path)" + (reply.toAddress == nil ? " (no e-mail address: fill in To)." : "."))
        }
    }

    /// A host name usable on the right of a Message-ID (dot-atoms only).
    static func messageIDHost(_ host: String) -> String {
        let cleaned = String(host.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "." || $0 == "-" })
        return cleaned.split(separator: ".").isEmpty ? "localhost" : cleaned.split(separator: ".").joined(separator: ".")
    }

    /// Writes `text` into the Maildir `folder` the way Maildir wants it: a unique name in
    /// tmp/, then a rename into cur/ with the Draft flag (":2,D"), so a mail client never
    /// sees half a file. Returns the file's path.
    static func deliver(_ text: String, toMaildir folder: String, host: String) throws -> String {
        var isDirectory: ObjCBool = false
        for sub in ["tmp", "cur", "new"] {
            guard FileManager.default.fileExists(atPath: folder + "/" + sub, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CLIError(message: "\(folder) is not a Maildir folder (it has no \(sub)/): name your mail client's Drafts folder, e.g. ~/Mail/Drafts",
                               code: 66)
            }
        }
        let now = Date().timeIntervalSince1970
        let seconds = Int(now), micros = Int((now - Double(seconds)) * 1_000_000)
        let safeHost = host.replacingOccurrences(of: "/", with: "\\057").replacingOccurrences(of: ":", with: "\\072")
        let name = "\(seconds).M\(micros)P\(ProcessInfo.processInfo.processIdentifier)R\(UInt32.random(in: .min ... .max)).\(safeHost)"
        let temporary = folder + "/tmp/" + name
        let final = folder + "/cur/" + name + ":2,D"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CLIError(message: "cannot write \(temporary): check the folder's permissions", code: 73)
        }
        do {
            try FileManager.default.moveItem(atPath: temporary, toPath: final)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw CLIError(message: "cannot move the draft into \(folder)/cur: \(error.localizedDescription)", code: 73)
        }
        return final
    }
}
