import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// `RemindMany` on a real PostgreSQL 15: one transaction for the whole batch, ids in the
/// order given, all or none.
@Suite(.serialized) struct TeamReminderBatchTests {
    let t0 = instant("2026-12-01T08:00:00Z")

    @Test func aBatchIsSetInOrderOwnedByTheCallerAndSeenByTheOtherNodes() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let ada = try a.addContact(ContactDraft(name: "Ada Lovelace"), owner: "lea", now: t0)
        // Due in an order unlike the order given: the ids still follow the list.
        let ids = try a.addReminders([(text: " third due ", dueAt: t0.addingTimeInterval(300), contactID: nil),
                                      (text: "first due", dueAt: t0.addingTimeInterval(100), contactID: ada.contact.id),
                                      (text: "second due", dueAt: t0.addingTimeInterval(200), contactID: nil)], owner: "lea")
        #expect(ids.count == 3 && ids == ids.sorted())
        let upcoming = try b.upcoming(limit: 10)
        #expect(upcoming.map(\.text) == ["first due", "second due", "third due"])
        #expect(upcoming.map(\.id) == [ids[1], ids[2], ids[0]])
        #expect(upcoming.map(\.contactID) == [ada.contact.id, nil, nil])
        #expect(try server.psql("SELECT DISTINCT owner, reason FROM reminder") == "lea|set by you\n")
        #expect(Set(try b.pendingDeadlines().map(\.id)) == Set(ids))
        a.close(); b.close()
    }

    @Test func anUnknownContactOrABadTextNamesTheItemAndNothingIsWritten() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let good = (text: "fine", dueAt: t0, contactID: Int64?.none)
        #expect(throws: ValidationError(field: "reminders[1].contact", reason: "no contact has id 42")) {
            try a.addReminders([good, (text: "about someone", dueAt: t0, contactID: 42), good], owner: nil)
        }
        #expect(throws: ValidationError.self) {
            try a.addReminders([good, good, (text: "two\nlines", dueAt: t0, contactID: nil)], owner: nil)
        }
        #expect(try server.psql("SELECT count(*) FROM reminder") == "0\n")
        a.close()
    }
}
