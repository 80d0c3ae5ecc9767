import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

extension TeamStore {
    /// Applies a contact import in ONE transaction, as the personal store does
    /// (`AppDatabase.importContacts`): `plan` runs inside it on the team's contacts as they
    /// are then (the contact lock held, so no add or migrate slips in between), and
    /// throwing from it, or any write failing, changes nothing. New contacts are `owner`'s;
    /// a contact filled in keeps its owner (anyone in the team may correct one).
    /// - Returns: the ids of the contacts added and updated.
    public func importContacts(now: Date, rules: TimingRules, owner: String,
                               plan: ([Contact]) throws -> [ContactMutation]) throws -> (added: [Int64], updated: [Int64]) {
        let (added, updated, changes) = try transaction { connection in
            try applyContactImport(connection, now: now, rules: rules, owner: owner, plan: plan)
        }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return (added, updated)
    }

    /// `importContacts`' writes, inside the caller's transaction.
    func applyContactImport(_ connection: PostgresConnection, now: Date, rules: TimingRules, owner: String,
                            plan: ([Contact]) throws -> [ContactMutation]) throws -> (added: [Int64], updated: [Int64], changes: ScheduleChanges) {
        try run(connection, "SELECT pg_advisory_xact_lock(\(Self.contactLock))")
        let existing = try contacts(connection).map(\.contact).sorted { $0.id < $1.id }
        var added: [Int64] = [], updated: [Int64] = []
        var changes = ScheduleChanges()
        for mutation in try plan(existing) {
            switch mutation {
            case .add(let draft, let firstInteraction):
                let contact = try insertContact(connection, try draft.validated(), owner: owner, now: now).contact
                added.append(contact.id)
                // LinkedIn's "Connected On" starts the keep-in-touch clock.
                if let firstInteraction {
                    try run(connection, """
                        INSERT INTO interaction (contact_id, kind, at, note, by_user)
                        VALUES (\(contact.id), 'connected', \(firstInteraction), 'first connected', \(owner))
                        """)
                }
                if contact.keepInTouch != nil {
                    changes.merge(try planKeepInTouch(connection, contactID: contact.id, rules: rules))
                }
            case .update(let contact):
                let before = try self.contact(connection, id: contact.id).contact
                let after = try writeContact(connection, id: contact.id, try ContactDraft(contact).validated()).contact
                updated.append(after.id)
                if after.keepInTouch != before.keepInTouch {
                    changes.merge(try planKeepInTouch(connection, contactID: after.id, rules: rules))
                }
            }
        }
        return (added, updated, changes)
    }
}
