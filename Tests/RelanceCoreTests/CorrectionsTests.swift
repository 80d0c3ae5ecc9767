import Foundation
import RelanceCore
import RelanceTestKit
import Testing

/// The rules behind corrections (issue #10).
@Suite struct CorrectionsTests {
    let sent = instant("2026-11-12T09:00:00Z")
    let later = instant("2026-11-13T09:00:00Z")

    @Test func theFirstStepCountsFromTheNewSentTime() {
        let step = Corrections.pendingStep(step: 0, anchor: sent, oldSentAt: sent, newSentAt: later, policy: .standard)
        #expect(step?.step == 0 && step?.anchor == later)
    }

    @Test func aLaterStepKeepsItsOwnAnchor() {
        let nudge = instant("2026-11-23T08:30:00Z")
        let step = Corrections.pendingStep(step: 1, anchor: nudge, oldSentAt: sent, newSentAt: later, policy: .standard)
        #expect(step?.step == 1 && step?.anchor == nudge)
    }

    @Test func fewerNudgesThanSentLeadToTheLetGoOrToNothing() {
        let short = FollowUpPolicy(nudges: [.businessDays(5)], letGo: .businessDays(10))
        #expect(Corrections.pendingStep(step: 2, anchor: sent, oldSentAt: sent, newSentAt: sent, policy: short)?.step == 1)
        let endless = FollowUpPolicy(nudges: [.businessDays(5)], letGo: nil)
        #expect(Corrections.pendingStep(step: 2, anchor: sent, oldSentAt: sent, newSentAt: sent, policy: endless) == nil)
    }

    @Test func aMovedReminderFiresExactlyWhenAsked() {
        let paris = TimeZone(identifier: "Europe/Paris")!
        let planned = Corrections.moved(to: later, from: sent, zone: paris)
        #expect(planned == PlannedTime(dueAt: later, fireAt: later, reason: "moved by you from Thu 12 Nov 10:00"))
    }

    @Test func theCancellationDraftIsShortAndPolite() {
        let text = Corrections.cancellationDraft(contact: "Ada Lovelace", place: "Café Olimpico", start: sent,
                                                 zone: TimeZone(identifier: "Europe/Paris")!)
        #expect(text.hasPrefix("Hi Ada, I'm sorry, I have to cancel our meeting at Café Olimpico on Thu 12 Nov 10:00."))
    }
}
