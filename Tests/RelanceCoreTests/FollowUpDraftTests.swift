import Foundation
import RelanceCore
import Testing

@Suite("Drafted follow-ups")
struct FollowUpDraftTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let sent = Date(timeIntervalSince1970: 1_795_768_200)   // Fri 27 Nov 2026 08:30 UTC
    static let grace = Contact(id: 1, name: "Dr. Grace Hopper", why: "she wrote the first compiler", createdAt: sent)
    static let signature = FollowUpDraft.Signature(name: "Sam Taylor", pitch: "I build tools for small bakeries.")

    static func outreach(sent followUps: Int, nudges: Int = 3) -> Outreach {
        Outreach(id: 1, contactID: 1, channel: "email", ask: "a 20-minute coffee chat", sentAt: sent, status: .awaitingReply,
                 policy: FollowUpPolicy(nudges: Array(repeating: .businessDays(7), count: nudges), letGo: nil),
                 followUpsSent: followUps)
    }

    static func draft(_ followUps: Int, _ language: DraftLanguage = .english, nudges: Int = 3,
                      contact: Contact = grace) -> (subject: String, body: String) {
        let outreach = outreach(sent: followUps, nudges: nudges)
        return FollowUpDraft.render(FollowUpDraft.builtIn(FollowUpDraft.Step(outreach: outreach), language),
                                    contact: contact, outreach: outreach, signature: signature, language: language, zone: paris)
    }

    @Test func eachStepHasItsOwnWording() {
        #expect(FollowUpDraft.Step(outreach: Self.outreach(sent: 0)) == .firstNudge)
        #expect(FollowUpDraft.Step(outreach: Self.outreach(sent: 1)) == .secondNudge)
        #expect(FollowUpDraft.Step(outreach: Self.outreach(sent: 2)) == .lastNote)
        #expect(FollowUpDraft.Step(outreach: Self.outreach(sent: 1, nudges: 2)) == .lastNote)
        #expect(FollowUpDraft.Step(outreach: Self.outreach(sent: 0, nudges: 1)) == .firstNudge)
        for language in DraftLanguage.allCases {
            let drafts = [0, 1, 2].map { Self.draft($0, language) }
            #expect(Set(drafts.map(\.subject)).count == 3, "\(language): three subjects")
            #expect(Set(drafts.map(\.body)).count == 3, "\(language): three bodies")
        }
    }

    @Test func englishDraftGreetsByGivenNameGivesTheReasonAndSigns() {
        let (subject, body) = Self.draft(0)
        #expect(subject == "Following up: a 20-minute coffee chat")
        #expect(body.hasPrefix("Hello Grace,\n\nI wrote to you on 27 November to ask for a 20-minute coffee chat."))
        #expect(body.contains("\nI reached out to you because you wrote the first compiler.\n"))
        #expect(body.hasSuffix("Thank you,\nSam Taylor\nI build tools for small bakeries.\n"))
        #expect(Self.draft(2).body.contains("this is my last note about it"))
    }

    @Test func frenchDraftSaysTheDateAndReasonInFrench() {
        var grace = Self.grace
        grace.why = "elle a écrit le premier compilateur"
        let (subject, body) = Self.draft(0, .french, contact: grace)
        #expect(subject == "Relance : a 20-minute coffee chat")
        #expect(body.hasPrefix("Bonjour Grace,\n\nJe vous ai écrit le 27 novembre pour vous demander"))
        #expect(body.contains("\nJe m'adresse à vous parce que vous avez écrit le premier compilateur.\n"))
        #expect(body.hasSuffix("Merci,\nSam Taylor\nI build tools for small bakeries.\n"))
        let second = Self.draft(1, .french)
        #expect(second.subject == "Nouvelle relance : a 20-minute coffee chat")
        #expect(second.body.contains("Je reviens vers vous au sujet de mon message du 27 novembre"))
    }

    @Test func givenNameFromTheImportWinsAndNoReasonLeavesNoGap() {
        var contact = Self.grace
        contact.why = nil
        contact.details.givenName = "Amazing Grace"
        let (_, body) = Self.draft(0, contact: contact)
        #expect(body.hasPrefix("Hello Amazing Grace,\n"))
        #expect(!body.contains("\n\n\n"))
        #expect(!body.contains("reached out"))
    }

    @Test func userTemplatesKeepTheirPlaceholdersAndValuesAreNotReexpanded() {
        var contact = Self.grace
        contact.why = "likes {ask} in braces"
        let outreach = Self.outreach(sent: 0)
        let (subject, body) = FollowUpDraft.render("Subject: Hi {first_name}\n\n{because}; {my_name} — {unknown}", contact: contact,
                                                   outreach: outreach, signature: Self.signature, language: .english, zone: Self.paris)
        #expect(subject == "Hi Grace")
        #expect(body == "because you like {ask} in braces; Sam Taylor — {unknown}")
        #expect(FollowUpDraft.templateFileNames(.lastNote, .french) == ["last-note.fr.txt", "last-note.txt", "follow-up.txt"])
    }
}
