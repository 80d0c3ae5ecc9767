import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// A team outreach's follow-up sequence on a real PostgreSQL 15: what a fired step plans
/// next (the personal store's `FollowOn` rule), a follow-up sent, a withdrawal. Two
/// stores on one database stand for two nodes; time is passed in, never waited for.
@Suite(.serialized) struct TeamFollowUpSequenceTests {
    let t0 = instant("2026-12-01T08:00:00Z")  // a Tuesday
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)

    func fire(_ store: TeamStore, at date: Date) throws -> Firing {
        try store.fireDue(expected: [], at: date, late: false, lateBefore: nil, rules: rules, channels: ["desktop"])
    }

    @Test func theSequenceGoesOnStepByStepOnceAcrossNodesAndEndsAsThePersonalStoreEndsIt() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace", timeZone: "Europe/London"), owner: "lea", now: t0)
        let (logged, first) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "a coffee chat",
                                                sentAt: t0, policy: .standard, rules: rules)
        // The personal store, given the same outreach, is the reference.
        let personal = try AppDatabase.inMemory()
        let (contact, _) = try personal.addContact(ContactDraft(name: "Ada Lovelace", timeZone: "Europe/London"), now: t0)
        let (mine, mineFirst, _) = try personal.logOutreach(contactID: contact.id, channel: "email", ask: "a coffee chat",
                                                            sentAt: t0, policy: .standard, rules: rules)
        var due = try #require(first)
        var personalDue = try #require(mineFirst)
        for step in 0..<3 {
            #expect(due.fireAt == personalDue.fireAt && due.text == personalDue.text && due.kind == personalDue.kind, "step \(step)")
            // Both nodes fire at that moment: one delivers the step, and plans the next once.
            let expected = [ScheduledReminder(id: due.id, due: due.fireAt)]
            let fired: Firing = try b.fireDue(expected: expected, at: due.fireAt, late: false, lateBefore: nil, rules: rules,
                                              channels: ["desktop"])
            let again: Firing = try fire(a, at: due.fireAt)
            #expect(fired.items.map(\.reminderID) == [due.id] && again.items.isEmpty)
            let personalFiring = try personal.fireDue(at: personalDue.fireAt, late: false, rules: rules)
            #expect(personalFiring.items.map(\.reminderID) == [personalDue.id])
            let pending = try a.upcoming(limit: 10)
            #expect(fired.changes.scheduled.map(\.id) == pending.map(\.id))
            #expect(try server.psql("SELECT count(*) FROM reminder WHERE outreach_id = \(logged.outreach.id) AND state = 'pending'")
                    == (step < 2 ? "1\n" : "0\n"))
            if step < 2 {
                due = try #require(pending.first)
                personalDue = try #require(try personal.upcoming(limit: 10).first)
                #expect(due.kind == (step == 1 ? .letGo : .followUp) && due.outreachID == logged.outreach.id)
            }
        }
        // The let-go passed without a reply: no reply, as of its due time, on both stores.
        let team = try #require(try b.outreaches(contactID: ada.contact.id).first).outreach
        let reference = try personal.outreach(id: mine.id)
        #expect(team.status == .noReply && team.status == reference.status)
        #expect(team.closedAt == reference.closedAt && team.followUpsSent == reference.followUpsSent)
        #expect(try server.psql("SELECT count(*) FROM inbox_item") == "3\n")
        a.close(); b.close()
    }

    @Test func aNeverLetGoSequenceStopsAfterItsLastNudgeStillAwaitingAReply() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let policy = FollowUpPolicy(nudges: [.businessDays(3), .businessDays(3)], letGo: nil)
        let (_, first) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "x", sentAt: t0,
                                           policy: policy, rules: rules)
        let firstDue = try #require(first).fireAt
        let second = try #require(try fire(a, at: firstDue).changes.scheduled.first)
        let last = try fire(a, at: second.due)
        #expect(last.items.map(\.reminderID) == [second.id] && last.changes.scheduled.isEmpty)
        #expect(try a.upcoming(limit: 10).isEmpty)
        #expect(try a.outreaches().first?.outreach.status == .awaitingReply)
        a.close()
    }

    @Test func afterDowntimeOnlyTheLatestDueStepReachesTheInbox() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let (logged, first) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "x", sentAt: t0,
                                                policy: .standard, rules: rules)
        let step0 = try #require(first)
        let step1 = try #require(FollowUpStep.plan(step: 1, outreach: logged.outreach, contact: ada.contact, anchor: step0.dueAt, rules: rules))
        let step2 = try #require(FollowUpStep.plan(step: 2, outreach: logged.outreach, contact: ada.contact,
                                                   anchor: step1.planned.dueAt, rules: rules))
        // Back between the second nudge and the let-go: one item (the second nudge, late).
        let now = step1.planned.fireAt.addingTimeInterval(3600)
        #expect(now < step2.planned.fireAt)
        let firing = try fire(a, at: now)
        #expect(firing.items.map(\.text) == [step1.text] && firing.items.allSatisfy(\.late))
        #expect(try server.psql("SELECT state FROM reminder WHERE id = \(step0.id)") == "skipped\n")
        let pending = try a.upcoming(limit: 10)
        #expect(pending.map(\.kind) == [.letGo] && pending.first?.fireAt == step2.planned.fireAt)
        a.close()
    }

    @Test func aReplyRecordedOnOneNodeWhileAnotherFiresNeverLeavesAStepPending() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        var outreaches: [(Int64, Date)] = []
        for index in 0..<20 {
            _ = try a.addContact(ContactDraft(name: "Person \(index)"), owner: "lea", now: t0)
            let (logged, reminder) = try a.logOutreach(contact: "Person \(index)", author: "lea", channel: "email", ask: "x",
                                                       sentAt: t0, policy: .standard, rules: rules)
            outreaches.append((logged.outreach.id, try #require(reminder).fireAt))
        }
        let failures = NIOLockedValueBox<[String]>([])
        for (id, due) in outreaches {
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                do {
                    if index == 0 { _ = try fire(a, at: due) } else { _ = try b.recordReply(outreachID: id, outcome: .replied, at: due) }
                } catch {
                    failures.withLockedValue { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLockedValue { $0 } == [])
        // Whichever came first, the reply ends the sequence: nothing left to nag about.
        #expect(try server.psql("SELECT count(*) FROM reminder WHERE state = 'pending'") == "0\n")
        #expect(try server.psql("SELECT count(*) FROM outreach WHERE status = 'replied'") == "20\n")
        a.close(); b.close()
    }

    @Test func aFollowUpSentMovesTheSequenceOnFromThenAndOnlyItsAuthorLogsIt() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let (logged, first) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "x", sentAt: t0,
                                                policy: .standard, rules: rules)
        let sent = t0.addingTimeInterval(3 * 86_400)
        let firstID = try #require(first).id
        #expect(throws: StoreError.invalidState(what: "outreach", reason: "#\(logged.outreach.id) is lea's: only its author can log a follow-up to it; ask lea, or log your own outreach to Ada Lovelace with anyway")) {
            try b.logFollowUp(outreachID: logged.outreach.id, by: "sam", at: sent, note: nil, rules: rules)
        }
        #expect(try a.upcoming(limit: 10).map(\.id) == [firstID])  // refused: nothing changed
        let (outreach, next) = try b.logFollowUp(outreachID: logged.outreach.id, by: "lea", at: sent, note: "bumped", rules: rules)
        #expect(outreach.outreach.followUpsSent == 1 && outreach.outreach.lastFollowUpAt == sent)
        let expected = try #require(FollowUpStep.plan(step: 1, outreach: logged.outreach, contact: ada.contact, anchor: sent, rules: rules))
        #expect(next?.fireAt == expected.planned.fireAt && next?.text == expected.text)
        let nextID = try #require(next).id
        #expect(try a.upcoming(limit: 10).map(\.id) == [nextID])
        #expect(try server.psql("SELECT state FROM reminder WHERE id = \(firstID)") == "cancelled\n")
        #expect(throws: StoreError.outreachNotFound(id: 99)) { try a.logFollowUp(outreachID: 99, by: "lea", at: sent, note: nil, rules: rules) }
        #expect(throws: ValidationError.self) {
            try a.logFollowUp(outreachID: logged.outreach.id, by: "lea", at: sent, note: "two\nlines", rules: rules)
        }
        _ = try a.recordReply(outreachID: logged.outreach.id, outcome: .declined, at: sent)
        #expect(throws: StoreError.nothingToFollowUp(outreachID: logged.outreach.id, status: .declined)) {
            try a.logFollowUp(outreachID: logged.outreach.id, by: "lea", at: sent, note: nil, rules: rules)
        }
        a.close(); b.close()
    }

    @Test func withdrawingAnOutreachCancelsItsStepsAndOnlyItsAuthorMay() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        _ = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        let (logged, first) = try a.logOutreach(contact: "ada", author: "lea", channel: "email", ask: "x", sentAt: t0,
                                                policy: .standard, rules: rules)
        #expect(throws: StoreError.self) { try a.cancelOutreach(outreachID: logged.outreach.id, by: "sam", at: t0) }
        #expect(try a.outreaches().first?.outreach.status == .awaitingReply)
        let (withdrawn, cancelled) = try a.cancelOutreach(outreachID: logged.outreach.id, by: "lea", at: t0.addingTimeInterval(60))
        #expect(withdrawn.outreach.status == .withdrawn && withdrawn.outreach.closedAt == t0.addingTimeInterval(60))
        let firstID = try #require(first).id
        #expect(cancelled == [firstID])
        #expect(try a.upcoming(limit: 10).isEmpty)
        #expect(throws: StoreError.cannotWithdraw(outreachID: logged.outreach.id, status: .withdrawn)) {
            try a.cancelOutreach(outreachID: logged.outreach.id, by: "lea", at: t0)
        }
        a.close()
    }
}
