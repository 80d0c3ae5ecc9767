import ArgumentParser
import Foundation
import RelanceAPI
import RelanceCore
import VarlinkProtocol

/// `relancectl ingest < message`: a received mail, for procmail, maildrop, a Sieve pipe,
/// fetchmail's MDA or a notmuch hook. Exits 0 whatever the message was (a mail filter
/// must not bounce mail because Relance had nothing to do with it).
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Read one received mail on standard input: a reply ends its follow-ups.",
        discussion: """
            A reply from a contact you wrote to (by address, or in the thread of your message when \
            you logged its --message-id) marks the outreach replied and cancels its nudges; an \
            out-of-office is recorded without doing so; a bounce is flagged. Only the headers are \
            read, and nothing is kept of a message about no one you know.
            Example (procmail): :0c | relancectl ingest
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(name: .long, help: "A mail you sent (from your Sent folder): logged as a follow-up, or per [mail_watch] sent.")
    var sent = false

    func run() async throws {
        try await Self.reporting {
            // Larger messages are cut: only the headers and the start of the text matter,
            // and they come first. Said on stderr (a mail filter's log), not an error.
            let input = IngestInput.read(limit: MailInput.stdinLimit)
            if input.total > MailInput.stdinLimit {
                FileHandle.standardError.write(Data("relancectl: the message is \(input.total) bytes; only its first 512 KiB were read (the headers and the start of the text are all that count)\n".utf8))
            }
            // Escaped for JSON it must still fit one Varlink message (with room for the rest of the call).
            let text = String(MailInput.prefix(String(decoding: input.kept, as: UTF8.self),
                                               escapedBytes: VarlinkFraming.maximumMessageSize - 64 * 1024))
            let reply = try await global.client.call(Ingest.self, .init(message: text, sent: sent ? true : nil))
            if global.json { return try Output.json(reply) }
            print(reply.summary)
        }
    }
}

/// `relancectl meeting accept ITEM`: the meeting a contact offered by mail.
struct MeetingAcceptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accept",
        abstract: "Accept a meeting offered by mail (an inbox item): their place, time and date, with its reminders.",
        discussion: """
            Prints an acceptance for you to send (Relance never writes to a contact); with \
            --calendar-reply FILE, also writes the iCalendar REPLY to attach to it.
            Example: relancectl meeting accept 4
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The inbox item that announced the offer.") var item: Int64
    @Option(name: .long, help: ArgumentHelp("Write the iCalendar REPLY (.ics) here.", valueName: "file")) var calendarReply: String?

    func run() async throws {
        try await Self.reporting {
            let reply = try await global.client.call(AcceptMeeting.self, .init(item: item))
            if let path = calendarReply, let text = reply.calendarReply {
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            }
            if global.json { return try Output.json(reply) }
            let zone = Output.zone(reply.timeZone)
            print("Meeting #\(reply.meeting.id) with \(reply.meeting.contactName) at \(reply.meeting.place), \(Output.time(reply.meeting.startsAt, in: zone)).")
            print("")
            print(reply.draft, terminator: "")
        }
    }
}
