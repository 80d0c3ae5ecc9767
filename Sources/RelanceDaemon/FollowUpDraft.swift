import Foundation
import RelanceCore

/// A short, polite follow-up for the user to send themselves: who they are, the
/// original ask, one line of context. Relance never writes to a contact on its own.
enum FollowUpDraft {
    /// The template: a `Subject:` line, a blank line, the body. Placeholders in braces.
    static let builtIn = """
        Subject: Following up: {ask}

        Hello {first_name},

        I wrote to you on {sent_date} to ask for {ask}. I know how full inboxes get, so \
        I am following up in case my message slipped through.
        {who_line}{why_line}
        Would you have a moment in the coming weeks? Even a short answer would help me a lot.

        Thank you,
        {my_name}

        """

    /// Fills `{first_name}`, `{name}`, `{ask}`, `{sent_date}`, `{channel}`, `{my_name}`,
    /// `{pitch}`, `{why}`, `{who_line}` and `{why_line}` (those two vanish when empty).
    static func render(_ template: String, contact: Contact, outreach: Outreach, userName: String?, pitch: String?,
                       zone: TimeZone) -> (subject: String, body: String) {
        let firstName = contact.name.split(separator: " ").first.map(String.init) ?? contact.name
        let values: [String: String] = [
            "first_name": firstName,
            "name": contact.name,
            "ask": outreach.ask,
            "sent_date": Planner.format(outreach.sentAt, zone, "d MMMM"),
            "channel": outreach.channel,
            "my_name": userName ?? "",
            "pitch": pitch ?? "",
            "why": contact.why ?? "",
            "who_line": pitch.map { "\nAs a reminder, \($0)\n" } ?? "",
            "why_line": contact.why.map { "\nI reached out to you because \(lowercasedFirst($0))\n" } ?? "",
        ]
        var text = template
        for (key, value) in values { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        var lines = text.components(separatedBy: "\n")
        var subject = "Following up: \(outreach.ask)"
        if let first = lines.first, first.lowercased().hasPrefix("subject:") {
            subject = first.dropFirst("subject:".count).trimmingCharacters(in: .whitespaces)
            lines.removeFirst()
            while lines.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeFirst() }
        }
        return (subject, lines.joined(separator: "\n"))
    }

    private static func lowercasedFirst(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
