import Foundation
import RelanceCore
import RelanceStore
import RelanceTeamStore
import RelanceTestKit
import Testing

/// Followed vdir folders on team nodes (team schema v18), on a real PostgreSQL 15: a file
/// is applied as its node's user in ONE transaction with what that node remembers of it;
/// files are remembered per node (a folder is on one node's disk); a UID another node's
/// file also brings is "elsewhere", so deleting one copy does not take the event back.
@Suite(.serialized) struct TeamVdirSyncTests {
    let t0 = instant("2030-03-18T08:00:00Z")
    let rules = TimingRules(userZone: TimeZone(identifier: "Europe/Paris")!)
    let fair = EventDraft(uid: "fair@example.org", title: "Job fair", start: LocalDateTime("2030-03-25T10:00")!,
                          timeZone: "Europe/Paris", duration: 8 * 3600)
    let path = "/home/lea/.calendars/work/fair.ics"

    @Test func aFileIsTheNodesUsersAndEachNodeRemembersItsOwnFiles() throws {
        let server = try PostgresServer()
        let a = try server.node("a"), b = try server.node("b")
        let lea = TeamVdirStore(store: a, user: "lea"), sam = TeamVdirStore(store: b, user: "sam")
        let (added, _) = try lea.syncCalendarFile(path: path, stamp: "1-100", uids: [fair.uid], now: t0, rules: rules) {
            stored, previous, elsewhere in
            #expect(stored.isEmpty && previous.isEmpty && elsewhere.isEmpty)
            return [.add(fair, occurrences: [instant("2030-03-25T09:00:00Z")])]
        }
        #expect(try b.events().map { "\($0.by) \($0.event.title)" } == ["lea Job fair"])
        #expect(try b.event(id: added[0])?.event.uid == fair.uid)
        #expect(try lea.syncedFiles(.calendar, in: "/home/lea/.calendars/work")
                == [SyncedFile(path: path, stamp: "1-100", items: [.init(uid: fair.uid)])])
        #expect(try lea.syncedStamp(path: path) == "1-100")
        // Node b has not read a file at that path on its own disk.
        #expect(try sam.syncedFiles(.calendar, in: "/home/lea/.calendars/work").isEmpty)
        #expect(try sam.syncedStamp(path: path) == nil)

        // sam's node follows a copy of the same event: seen as stored, brought by no other
        // file of its own, and by lea's node's file ("elsewhere").
        _ = try sam.syncCalendarFile(path: path, stamp: "2-100", uids: [fair.uid], now: t0, rules: rules) {
            stored, previous, elsewhere in
            #expect(stored.map(\.uid) == [fair.uid] && previous.isEmpty && elsewhere == [fair.uid])
            return []
        }
        // lea's file deleted: it brought the UID, which sam's node's file still brings.
        _ = try lea.syncCalendarFile(path: path, stamp: nil, uids: [], now: t0, rules: rules) { stored, previous, elsewhere in
            #expect(stored.map(\.uid) == [fair.uid] && previous == [fair.uid] && elsewhere == [fair.uid])
            return []
        }
        #expect(try lea.syncedStamp(path: path) == nil)
        #expect(try sam.syncedStamp(path: path) == "2-100")
        #expect(try lea.syncedEventUIDs() == [fair.uid])
        a.close(); b.close()
    }

    @Test func aFailingPlanOrAnotherUsersEventWritesNothing() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let lea = TeamVdirStore(store: a, user: "lea"), sam = TeamVdirStore(store: a, user: "sam")
        _ = try lea.syncCalendarFile(path: path, stamp: "1-100", uids: [fair.uid], now: t0, rules: rules) { _, _, _ in
            [.add(fair, occurrences: [instant("2030-03-25T09:00:00Z")])]
        }
        let before = try server.psql("SELECT node, path, stamp FROM sync_file; SELECT id, state FROM reminder ORDER BY id")
        struct Rejected: Error {}
        #expect(throws: Rejected.self) {
            _ = try lea.syncCalendarFile(path: path, stamp: "2-200", uids: [], now: t0, rules: rules) { stored, _, _ in
                _ = stored
                throw Rejected()
            }
        }
        // The same node as sam: lea's event is hers to change.
        let id = try a.events()[0].event.id
        #expect(throws: StoreError.invalidState(what: "event", reason: "#\(id) is lea's: only who goes can remove it; ask lea")) {
            _ = try sam.syncCalendarFile(path: "/home/sam/x.ics", stamp: "3-1", uids: [], now: t0, rules: rules) { _, _, _ in
                [.remove(id: id)]
            }
        }
        #expect(try server.psql("SELECT node, path, stamp FROM sync_file; SELECT id, state FROM reminder ORDER BY id") == before)
        a.close()
    }

    @Test func aCardAddsTheUsersContactAndAnUpdateKeepsItsOwnerAndKeepInTouch() throws {
        let server = try PostgresServer()
        let a = try server.node("a")
        let lea = TeamVdirStore(store: a, user: "lea")
        let file = "/home/lea/.contacts/default/ada.vcf"
        var card = ContactDraft(name: "Ada Lovelace", emails: ["ada@example.com"])
        card.details.uid = "ada-1"
        let (added, _, _) = try lea.syncContactsFile(path: file, stamp: "1-1", uids: ["ada-1"], emails: card.emails,
                                                     now: t0, rules: rules) { candidates, linked in
            #expect(candidates.isEmpty && linked.isEmpty)
            return [("ada-1", .add(card))]
        }
        #expect(try a.contacts().map { "\($0.owner) \($0.contact.name)" } == ["lea Ada Lovelace"])
        // Someone in the team sets a cadence; the card changes her organization.
        _ = try a.updateContact(id: added[0], ContactPatch(keepInTouch: .some(.businessDays(20))), rules: rules, now: t0)
        card.organization = "Analytical Engines"
        let (_, updated, _) = try lea.syncContactsFile(path: file, stamp: "2-1", uids: ["ada-1"], emails: ["ADA@example.com"],
                                                       now: t0, rules: rules) { candidates, linked in
            #expect(candidates.map(\.id) == added && linked == ["ada-1": added[0]])
            return [("ada-1", .replace(id: added[0], card))]
        }
        #expect(updated == added)
        let ada = try a.contacts()[0]
        #expect(ada.owner == "lea" && ada.contact.organization == "Analytical Engines")
        #expect(ada.contact.keepInTouch == .businessDays(20))
        // The file deleted: forgotten, the contact stays.
        _ = try lea.syncContactsFile(path: file, stamp: nil, uids: [], emails: [], now: t0, rules: rules) { _, _ in [] }
        #expect(try lea.syncedStamp(path: file) == nil)
        #expect(try a.contacts().count == 1)
        a.close()
    }
}
