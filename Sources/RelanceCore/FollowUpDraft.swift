import Foundation

/// A short, polite follow-up for the user to send themselves: the original ask, why this
/// person, a signature. Relance never writes to a contact on its own. Each step of a
/// sequence has its own wording (a second note that repeats the first word for word reads
/// like a robot), in English and French; a file in `templates/` overrides any of them.
public enum FollowUpDraft {
    /// Which note of the sequence this draft is.
    public enum Step: String, Sendable, CaseIterable {
        /// The first nudge after the original message.
        case firstNudge = "first-nudge"
        /// Any nudge between the first and the last.
        case secondNudge = "second-nudge"
        /// The last note before letting go.
        case lastNote = "last-note"

        /// The step of the next follow-up for `outreach`: the first nudge, then the second,
        /// and the last note when no nudge follows it (a one-nudge sequence only has a first).
        public init(outreach: Outreach) {
            let index = outreach.followUpsSent
            let count = max(outreach.policy.nudges.count, 1)
            if index == 0 { self = .firstNudge } else if index >= count - 1 { self = .lastNote } else { self = .secondNudge }
        }
    }

    /// Who signs: `[user] name` and the optional one line `[user] pitch`.
    public struct Signature: Sendable, Equatable {
        public var name: String?
        public var pitch: String?
        public init(name: String?, pitch: String?) { self.name = name; self.pitch = pitch }

        /// The lines under the sign-off: the name, then the pitch.
        public var text: String {
            [name, pitch].compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
                .joined(separator: "\n")
        }
    }

    /// The file names a user's template for `step` may have in `templates/`, most specific
    /// first: "first-nudge.fr.txt", "first-nudge.txt", then the single "follow-up.txt"
    /// older versions read for every step.
    public static func templateFileNames(_ step: Step, _ language: DraftLanguage) -> [String] {
        ["\(step.rawValue).\(language.rawValue).txt", "\(step.rawValue).txt", "follow-up.txt"]
    }

    /// The built-in template for `step` in `language`: a `Subject:` line, a blank line, the body.
    public static func builtIn(_ step: Step, _ language: DraftLanguage) -> String {
        switch (language, step) {
        case (.english, .firstNudge): """
            Subject: Following up: {ask}

            Hello {first_name},

            I wrote to you on {sent_date} to ask for {ask}. I know how full inboxes get, so \
            I am following up in case my message slipped through.
            {why_line}
            Would you have a moment in the coming weeks? Even a short answer would help me a lot.

            Thank you,
            {signature}

            """
        case (.english, .secondNudge): """
            Subject: Following up again: {ask}

            Hello {first_name},

            I am writing once more about my message of {sent_date}, where I asked for {ask}, \
            in case it was buried under others.
            {why_line}
            If now is not a good time, a word to say so is perfectly fine, and I will not insist.

            Best regards,
            {signature}

            """
        case (.english, .lastNote): """
            Subject: One last note: {ask}

            Hello {first_name},

            I have written a few times since {sent_date} to ask for {ask}. I do not want to \
            crowd your inbox, so this is my last note about it.
            {why_line}
            If the timing is ever better, I would still be delighted to hear from you. Thank you \
            for your time, and all the best with your work.

            Kind regards,
            {signature}

            """
        case (.french, .firstNudge): """
            Subject: Relance : {ask}

            Bonjour {first_name},

            Je vous ai écrit le {sent_date} pour vous demander {ask}. Je sais à quel point les \
            boîtes de réception débordent, alors je me permets de vous relancer au cas où mon \
            message vous aurait échappé.
            {why_line}
            Auriez-vous un moment dans les semaines à venir ? Même une réponse brève m'aiderait beaucoup.

            Merci,
            {signature}

            """
        case (.french, .secondNudge): """
            Subject: Nouvelle relance : {ask}

            Bonjour {first_name},

            Je reviens vers vous au sujet de mon message du {sent_date}, où je vous demandais \
            {ask}, au cas où il se serait perdu parmi d'autres.
            {why_line}
            Si le moment est mal choisi, un simple mot pour me le dire me suffira, et je n'insisterai pas.

            Bien cordialement,
            {signature}

            """
        case (.french, .lastNote): """
            Subject: Un dernier mot : {ask}

            Bonjour {first_name},

            Je vous ai écrit plusieurs fois depuis le {sent_date} pour vous demander {ask}. Je ne \
            veux pas encombrer votre boîte de réception : ce message est le dernier à ce sujet.
            {why_line}
            Si le moment s'y prête mieux un jour, ce sera toujours un plaisir d'avoir de vos \
            nouvelles. Merci pour votre temps, et bonne continuation.

            Bien à vous,
            {signature}

            """
        }
    }

    /// Fills the placeholders of `template` and splits off its `Subject:` line.
    ///
    /// `{first_name}` (the given name, never "Dr."), `{name}`, `{ask}`, `{sent_date}`,
    /// `{channel}`, `{my_name}`, `{pitch}`, `{signature}` (name, then pitch), `{why}` (as
    /// typed), `{because}` (the grammatical clause, "because you wrote…"), `{why_line}`
    /// (the whole sentence between blank lines; empty without a reason) and `{who_line}`
    /// (the pitch as a sentence, for older templates; empty without one).
    public static func render(_ template: String, contact: Contact, outreach: Outreach, signature: Signature,
                              language: DraftLanguage, zone: TimeZone) -> (subject: String, body: String) {
        let names = [contact.name, contact.greetingName, contact.details.givenName].compactMap { $0 }
        let pitch = signature.pitch?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmptyDraftText
        let why = contact.why?.trimmingCharacters(in: .whitespacesAndNewlines).nonEmptyDraftText
        let values: [String: String] = [
            "first_name": contact.greetingName,
            "name": contact.name,
            "ask": outreach.ask,
            "sent_date": formatDay(outreach.sentAt, zone: zone, language: language),
            "channel": outreach.channel,
            "my_name": signature.name ?? "",
            "pitch": pitch ?? "",
            "signature": signature.text,
            "why": why ?? "",
            "because": why.map { ReasonPhrase.clause($0, language: language, names: names) } ?? "",
            "who_line": pitch.map { language == .french ? "\nPour rappel, \($0)\n" : "\nAs a reminder, \($0)\n" } ?? "",
            "why_line": why.map { "\n" + ReasonPhrase.sentence($0, language: language, names: names) + "\n" } ?? "",
        ]
        // One pass, so a value that contains "{…}" is never substituted again.
        var text = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                text += value
                rest = after[after.index(after: close)...]
            } else {
                text += "{"
                rest = after
            }
        }
        text += rest
        var lines = text.components(separatedBy: "\n")
        var subject = language == .french ? "Relance : \(outreach.ask)" : "Following up: \(outreach.ask)"
        if let first = lines.first, first.lowercased().hasPrefix("subject:") {
            subject = first.dropFirst("subject:".count).trimmingCharacters(in: .whitespaces)
            lines.removeFirst()
            while lines.first?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeFirst() }
        }
        return (subject, lines.joined(separator: "\n"))
    }

    /// "27 November" / "27 novembre" in `zone`.
    static func formatDay(_ date: Date, zone: TimeZone, language: DraftLanguage) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: language == .french ? "fr_FR" : "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "d MMMM"
        return formatter.string(from: date)
    }
}

extension String {
    fileprivate var nonEmptyDraftText: String? { isEmpty ? nil : self }
}
