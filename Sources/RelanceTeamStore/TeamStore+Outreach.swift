import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// A contact of the team, with the team user who owns it (whose channels get its
/// reminders).
public struct TeamContact: Sendable, Hashable {
    public var contact: Contact
    public var owner: String
}

/// An outreach of the team, with the team user who sent it and the contact's name.
public struct TeamOutreach: Sendable, Hashable {
    public var outreach: Outreach
    public var author: String
    public var contactName: String
}

/// Refused: another team user awaits a reply from this contact (`by` wrote at `sentAt`,
/// still in `status`). Nothing was written.
public struct AlreadyContacted: Error, Equatable {
    public var contact: String
    public var by: String
    public var sentAt: Date
    public var status: OutreachStatus

    public init(contact: String, by: String, sentAt: Date, status: OutreachStatus) {
        self.contact = contact; self.by = by; self.sentAt = sentAt; self.status = status
    }
}

/// Shared contacts and outreach (team schema v4, issue #16). Every mutation is one
/// transaction; a follow-up reminder is planned by the same rule as the personal store's
/// (`FollowUpStep`) and lands in the team's `reminder` table, so it fires through the
/// team scheduler like any other reminder.
extension TeamStore {
    /// Serialises the duplicate check of concurrent adds ("rlnk").
    static let contactLock: Int64 = 0x726C_6E6B

    /// Adds a contact owned by `owner`. Refuses one sharing an e-mail address or profile
    /// URL with another contact of the team (`StoreError.duplicateContact`) unless
    /// `allowDuplicate`.
    public func addContact(_ draft: ContactDraft, owner: String, now: Date, rules: TimingRules,
                           allowDuplicate: Bool = false) throws -> TeamContact {
        let draft = try draft.validated()
        let (added, changes) = try transaction { connection in
            try run(connection, "SELECT pg_advisory_xact_lock(\(Self.contactLock))")
            if !allowDuplicate, !draft.emails.isEmpty || !draft.handles.isEmpty,
               let clash = ContactIdentity.firstClash(of: draft, among: try contacts(connection).map(\.contact)) {
                throw StoreError.duplicateContact(field: clash.field, value: clash.value,
                                                  existing: "\(clash.existing.name) (#\(clash.existing.id))")
            }
            let added = try insertContact(connection, draft, owner: owner, now: now)
            let changes = draft.keepInTouch == nil ? ScheduleChanges()
                : try planKeepInTouch(connection, contactID: added.contact.id, rules: rules)
            return (added, changes)
        }
        if !changes.scheduled.isEmpty { listener.tellLocally(changes) }
        return added
    }

    /// Applies `patch` to a team contact, in one transaction; a new zone re-plans its
    /// pending follow-ups (as the personal store does). Anyone in the team may correct a
    /// contact; the owner stays. A new keep-in-touch cadence re-plans its reminder.
    public func updateContact(id: Int64, _ patch: ContactPatch, rules: TimingRules,
                              now: Date) throws -> (TeamContact, ScheduleChanges) {
        let (updated, changes) = try transaction { connection in
            guard let row = try connection.query("""
                SELECT \(unescaped: Self.contactColumns) FROM contact WHERE id = \(id) FOR UPDATE
                """, logger: logger).wait().first else { throw StoreError.contactNotFound(query: String(id)) }
            let current = try Self.teamContact(row)
            let updated = try writeContact(connection, id: id, try patch.applied(to: ContactDraft(current.contact)).validated())
            var changes = ScheduleChanges()
            if updated.contact.keepInTouch != current.contact.keepInTouch {
                changes.merge(try planKeepInTouch(connection, contactID: id, rules: rules))
            }
            if updated.contact.timeZone != current.contact.timeZone {
                changes.merge(try replan(connection, rules: rules, now: now, contactID: id))
            }
            return (updated, changes)
        }
        if !changes.scheduled.isEmpty { listener.tellLocally(changes) }
        return (updated, changes)
    }

    /// Inserts a validated contact owned by `owner`, in the caller's transaction.
    func insertContact(_ connection: PostgresConnection, _ draft: ContactDraft, owner: String, now: Date) throws -> TeamContact {
        try Self.teamContact(try connection.query("""
            INSERT INTO contact (name, emails, handles, organization, time_zone, why, tags, notes, details, owner, created_at,
                                 created_by, keep_in_touch)
            VALUES (\(draft.name), \(draft.emails), \(try Self.json(draft.handles)), \(draft.organization), \(draft.timeZone),
                    \(draft.why), \(draft.tags), \(draft.notes), \(try Self.json(draft.details)), \(owner), \(now), \(settings.node),
                    \(draft.keepInTouch?.description))
            RETURNING \(unescaped: Self.contactColumns)
            """, logger: logger).wait().first!)
    }

    /// Replaces a contact's fields with a validated draft's (its owner stays), in the
    /// caller's transaction.
    func writeContact(_ connection: PostgresConnection, id: Int64, _ draft: ContactDraft) throws -> TeamContact {
        guard let row = try connection.query("""
            UPDATE contact SET name = \(draft.name), emails = \(draft.emails), handles = \(try Self.json(draft.handles)),
                               organization = \(draft.organization), time_zone = \(draft.timeZone), why = \(draft.why),
                               tags = \(draft.tags), notes = \(draft.notes), details = \(try Self.json(draft.details)),
                               keep_in_touch = \(draft.keepInTouch?.description)
            WHERE id = \(id) RETURNING \(unescaped: Self.contactColumns)
            """, logger: logger).wait().first else { throw StoreError.contactNotFound(query: String(id)) }
        return try Self.teamContact(row)
    }

    /// Removes a team contact and everything about it (outreach, interactions, meetings,
    /// reminders, inbox items and their outbox jobs), in one transaction, for its owner only: the
    /// history it takes is the whole team's. Refused (`StoreError.openOutreach`, nothing
    /// changed) while an outreach to it awaits a reply, unless `force`. `doing` names the
    /// request in a refusal ("forget them" for `contact forget`).
    public func removeContact(id: Int64, by user: String, force: Bool,
                              doing: String = "remove them") throws -> (Contact, ContactFootprint) {
        let (contact, footprint, cancelled) = try transaction { connection in
            guard let row = try connection.query("""
                SELECT \(unescaped: Self.contactColumns) FROM contact WHERE id = \(id) FOR UPDATE
                """, logger: logger).wait().first else { throw StoreError.contactNotFound(query: String(id)) }
            let current = try Self.teamContact(row)
            guard current.owner == user else {
                throw StoreError.invalidState(what: "contact", reason: "\(current.contact.name) is \(current.owner)'s: only their owner can \(doing); ask \(current.owner)")
            }
            let open = try connection.query("""
                SELECT id FROM outreach WHERE contact_id = \(id) AND status = 'awaiting_reply' ORDER BY id
                """, logger: logger).wait().map { try $0.decode(Int64.self) }
            if !force, !open.isEmpty { throw StoreError.openOutreach(contact: current.contact.name, ids: open) }
            // Its reminders, whoever made them: tied to it, to its outreach or to its meetings.
            let reminders = try connection.query("""
                SELECT r.id, r.state FROM reminder r
                WHERE r.contact_id = \(id) OR r.outreach_id IN (SELECT id FROM outreach WHERE contact_id = \(id))
                   OR r.meeting_id IN (SELECT id FROM meeting WHERE contact_id = \(id))
                FOR UPDATE OF r
                """, logger: logger).wait().map { try $0.decode((Int64, String).self) }
            let ids = reminders.map(\.0)
            // Cancelled before they go, so every node hears (the update trigger) and disarms.
            try run(connection, "UPDATE reminder SET state = 'cancelled' WHERE id = ANY(\(ids)) AND state = 'pending'")
            var footprint = ContactFootprint()
            footprint.reminders = ids.count
            footprint.deliveries = try count(connection, """
                DELETE FROM outbox WHERE inbox_item_id IN (SELECT id FROM inbox_item WHERE reminder_id = ANY(\(ids))) RETURNING 1
                """)
            // A snooze's comeback points at the item it brings back: unlinked before the item goes.
            try run(connection, "UPDATE reminder SET resurfaces_inbox_id = NULL WHERE id = ANY(\(ids))")
            footprint.inboxItems = try count(connection, "DELETE FROM inbox_item WHERE reminder_id = ANY(\(ids)) RETURNING 1")
            try run(connection, "DELETE FROM reminder WHERE id = ANY(\(ids))")
            footprint.meetings = try count(connection, "DELETE FROM meeting WHERE contact_id = \(id) RETURNING 1")
            footprint.outreach = try count(connection, "DELETE FROM outreach WHERE contact_id = \(id) RETURNING 1")
            // Deleted here (not left to the cascade) so the reply counts them.
            footprint.interactions = try count(connection, "DELETE FROM interaction WHERE contact_id = \(id) RETURNING 1")
            try run(connection, "DELETE FROM contact WHERE id = \(id)")
            return (current.contact, footprint, reminders.filter { $0.1 == "pending" }.map(\.0))
        }
        if !cancelled.isEmpty { listener.tellLocally(ScheduleChanges(cancelled: cancelled)) }
        return (contact, footprint)
    }

    private func count(_ connection: PostgresConnection, _ query: PostgresQuery) throws -> Int {
        try connection.query(query, logger: logger).wait().reduce(0) { count, _ in count + 1 }
    }

    /// Every contact of the team, by name.
    public func contacts() throws -> [TeamContact] {
        try withConnection { try contacts($0) }
    }

    /// The contact a person means by `query`: an id, or a name as `ContactLookup` reads it.
    public func resolveContact(_ query: String) throws -> TeamContact {
        try withConnection { try resolveContact($0, query) }
    }

    /// Records an ask `author` sent and schedules the first step of its follow-up
    /// sequence, in one transaction. Refused with `AlreadyContacted` when another team
    /// user awaits a reply from the contact, unless `anyway`.
    public func logOutreach(contact query: String, author: String, channel: String, ask: String, sentAt: Date,
                            policy: FollowUpPolicy, rules: TimingRules, messageID: String? = nil,
                            anyway: Bool = false) throws -> (TeamOutreach, Reminder?) {
        let messageID = try FollowUpStep.validateNewOutreach(channel: channel, ask: ask, messageID: messageID, policy: policy)
        let policyJSON = try Self.json(policy)
        let (logged, reminder, touched) = try transaction { connection in
            let contact = try resolveContact(connection, query).contact
            // The contact's row locked: two people logging at once are told of each other.
            try run(connection, "SELECT id FROM contact WHERE id = \(contact.id) FOR UPDATE")
            if !anyway, let row = try connection.query("""
                SELECT author, sent_at, status FROM outreach
                WHERE contact_id = \(contact.id) AND status = \(OutreachStatus.awaitingReply.rawValue) AND author <> \(author)
                ORDER BY sent_at DESC, id DESC LIMIT 1
                """, logger: logger).wait().first {
                let (by, at, status) = try row.decode((String, Date, String).self)
                throw AlreadyContacted(contact: contact.name, by: by, sentAt: at, status: OutreachStatus(rawValue: status) ?? .awaitingReply)
            }
            let id = try connection.query("""
                INSERT INTO outreach (contact_id, author, channel, ask, sent_at, policy, message_id)
                VALUES (\(contact.id), \(author), \(channel), \(ask), \(sentAt), \(policyJSON), \(messageID))
                RETURNING id
                """, logger: logger).wait().first!.decode(Int64.self)
            let outreach = Outreach(id: id, contactID: contact.id, channel: channel, ask: ask, sentAt: sentAt,
                                    status: .awaitingReply, policy: policy, messageID: messageID)
            let touched = try recordInteraction(connection, contactID: contact.id, outreachID: id, kind: .outreach, at: sentAt,
                                                by: author, rules: rules)
            let reminder = try scheduleStep(connection, outreach: outreach, contact: contact, step: 0, anchor: sentAt, rules: rules)
            return (TeamOutreach(outreach: outreach, author: author, contactName: contact.name), reminder, touched)
        }
        var changes = touched
        if let reminder { changes.scheduled.append(ScheduledReminder(id: reminder.id, due: reminder.fireAt)) }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return (logged, reminder)
    }

    /// One outreach of the team.
    public func outreach(id: Int64) throws -> TeamOutreach {
        try withConnection { try outreach($0, id: id) }
    }

    /// Outreach of the team, newest first, optionally for one contact or in one status.
    public func outreaches(contactID: Int64? = nil, status: OutreachStatus? = nil) throws -> [TeamOutreach] {
        try withConnection { connection in
            try connection.query("""
                SELECT \(unescaped: Self.outreachColumns) FROM outreach JOIN contact ON contact.id = outreach.contact_id
                WHERE (\(contactID)::bigint IS NULL OR outreach.contact_id = \(contactID))
                  AND (\(status?.rawValue)::text IS NULL OR outreach.status = \(status?.rawValue))
                ORDER BY outreach.sent_at DESC, outreach.id DESC
                """, logger: logger).wait().map(Self.teamOutreach)
        }
    }

    /// Records how an outreach ended and cancels its pending follow-ups, in one
    /// transaction; the cancelled reminders' ids with it. Only outcomes that end the
    /// sequence: an auto-reply or a bounce is not kept by a team store yet. A reply that
    /// agrees to meet adds `meeting` (its contact and outreach this one's) in the same
    /// transaction, `by` as who goes.
    public func recordReply(outreachID: Int64, outcome: ReplyOutcome, at date: Date, by user: String?, rules: TimingRules,
                            meeting: (draft: MeetingDraft, by: String, now: Date)? = nil)
        throws -> (TeamOutreach, cancelled: [Int64], TeamMeeting?, [Reminder]) {
        guard let status = outcome.status else {
            throw ValidationError(field: "outcome", reason: "a team store keeps no \(outcome.rawValue.replacingOccurrences(of: "_", with: " ")) yet: record replied, declined, meeting or closed")
        }
        let (outreach, changes, added) = try transaction { connection in
            try lockSequence(connection, outreachID: outreachID)
            guard let contactID = try connection.query("""
                UPDATE outreach SET status = \(status.rawValue), closed_at = \(date) WHERE id = \(outreachID) RETURNING contact_id
                """, logger: logger).wait().first?.decode(Int64.self) else { throw StoreError.outreachNotFound(id: outreachID) }
            var changes = ScheduleChanges(cancelled: try cancelSequence(connection, outreachID: outreachID))
            changes.merge(try recordInteraction(connection, contactID: contactID, outreachID: outreachID, kind: .reply, at: date,
                                                note: outcome.rawValue, by: user, rules: rules))
            var added: (TeamMeeting, [Reminder], ScheduleChanges)?
            if let meeting {
                var draft = meeting.draft
                draft.contactID = contactID
                draft.outreachID = outreachID
                added = try insertMeeting(connection, draft, by: meeting.by, rules: rules, now: meeting.now)
                changes.merge(added!.2)
            }
            return (try self.outreach(connection, id: outreachID), changes, added)
        }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return (outreach, changes.cancelled, added?.0, added?.1 ?? [])
    }

    /// The team's contacts and its outreach awaiting a reply, for `Status`.
    public func counts() throws -> (contacts: Int, awaitingReply: Int) {
        try withConnection { connection in
            let (contacts, awaiting) = try connection.query("""
                SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM outreach WHERE status = 'awaiting_reply')
                """, logger: logger).wait().first!.decode((Int64, Int64).self)
            return (Int(contacts), Int(awaiting))
        }
    }

    // MARK: Rows

    /// The contact with this id, or `contactNotFound` naming it.
    func contact(_ connection: PostgresConnection, id: Int64) throws -> TeamContact {
        guard let row = try connection.query("SELECT \(unescaped: Self.contactColumns) FROM contact WHERE id = \(id)",
                                             logger: logger).wait().first
        else { throw StoreError.contactNotFound(query: String(id)) }
        return try Self.teamContact(row)
    }

    func contacts(_ connection: PostgresConnection) throws -> [TeamContact] {
        try connection.query("SELECT \(unescaped: Self.contactColumns) FROM contact", logger: logger).wait()
            .map(Self.teamContact)
            .sorted { a, b in
                switch a.contact.name.localizedCaseInsensitiveCompare(b.contact.name) {
                case .orderedSame: a.contact.id < b.contact.id
                case let order: order == .orderedAscending
                }
            }
    }

    func resolveContact(_ connection: PostgresConnection, _ query: String) throws -> TeamContact {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        if let id = Int64(trimmed) { return try contact(connection, id: id) }
        let all = try contacts(connection)
        let contact = try ContactLookup.byName(trimmed, among: all.map(\.contact))
        return all.first { $0.contact.id == contact.id }!
    }

    static let contactColumns = "id, name, emails, handles, organization, time_zone, why, tags, notes, details, owner, created_at, keep_in_touch"

    static func teamContact(_ row: PostgresRow) throws -> TeamContact {
        let (id, name, emails, handles, organization, timeZone, why, tags, notes, details, owner, createdAt, keepInTouch) =
            try row.decode((Int64, String, [String], String, String?, String?, String?, [String], String?, String, String, Date, String?).self)
        let contact = Contact(id: id, name: name, emails: emails, handles: try decodeJSON(handles), organization: organization,
                              timeZone: timeZone, why: why, tags: tags, notes: notes,
                              keepInTouch: try keepInTouch.map(Wait.init(parsing:)), createdAt: createdAt,
                              details: try decodeJSON(details))
        return TeamContact(contact: contact, owner: owner)
    }

    static let outreachColumns = """
        outreach.id, outreach.contact_id, contact.name, outreach.author, outreach.channel, outreach.ask, outreach.sent_at,
        outreach.status, outreach.policy, outreach.follow_ups_sent, outreach.last_follow_up_at, outreach.closed_at, outreach.message_id
        """

    static func teamOutreach(_ row: PostgresRow) throws -> TeamOutreach {
        let (id, contactID, contactName, author, channel, ask, sentAt, status, policy, followUpsSent, lastFollowUpAt, closedAt, messageID) =
            try row.decode((Int64, Int64, String, String, String, String, Date, String, String, Int32, Date?, Date?, String?).self)
        let outreach = Outreach(id: id, contactID: contactID, channel: channel, ask: ask, sentAt: sentAt,
                                status: OutreachStatus(rawValue: status) ?? .awaitingReply, policy: try decodeJSON(policy),
                                followUpsSent: Int(followUpsSent), lastFollowUpAt: lastFollowUpAt, closedAt: closedAt,
                                messageID: messageID)
        return TeamOutreach(outreach: outreach, author: author, contactName: contactName)
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ text: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}
