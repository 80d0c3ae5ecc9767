import Foundation
import PostgresNIO
import RelanceCore
import RelanceStore

/// A received message read on the team store (v17), as the personal store's
/// `ingestMail` reads it: the headers' facts only, never the body. Contacts are the
/// team's, so the outreach a message answers may be any team user's; what it tells goes
/// to that outreach's author's inbox (the person who wrote and waits), whoever read it.
public struct ReceivedMessage: Sendable {
    public var senders: [String]
    public var thread: [String]
    public var messageID: String?
    public var subject: String
    public var meaning: MailMeaning
    public var returnDay: LocalDate?
    public var offer: OfferedMeeting?
    public var bounceReason: String?

    public init(senders: [String], thread: [String], messageID: String?, subject: String, meaning: MailMeaning,
                returnDay: LocalDate? = nil, offer: OfferedMeeting? = nil, bounceReason: String? = nil) {
        self.senders = senders; self.thread = thread; self.messageID = messageID; self.subject = subject
        self.meaning = meaning; self.returnDay = returnDay; self.offer = offer; self.bounceReason = bounceReason
    }
}

extension TeamStore {
    /// Serialises the reading of one Message-ID by two nodes at once ("rlml"), so the
    /// second finds it read.
    static let mailLock: Int64 = 0x726C_6D6C

    /// Records what `message` means for an outreach of the team, in ONE transaction,
    /// with the personal store's outcomes and summaries (`IngestResult`): a reply ends
    /// the outreach and its sequence and lands in its author's inbox (or offers a
    /// meeting there); an automatic answer is recorded and moves the next nudge after the
    /// return day; a bounce is recorded, its address marked, its author told.
    /// Idempotent by Message-ID. `by`: the team user who read it (the interaction's).
    /// `zone`: where the summary's times are said (the reader's).
    /// - Parameter bookkeeping: remembered in the same transaction (a watched folder's
    ///   watermark).
    public func ingestMail(_ message: ReceivedMessage, by user: String?, bookkeeping: Bookkeeping? = nil,
                           at now: Date, rules nodeRules: TimingRules, zone: TimeZone) throws -> IngestResult {
        let (result, changes) = try transaction { connection -> (IngestResult, ScheduleChanges) in
            if let bookkeeping { try setBookkeeping(connection, bookkeeping) }
            let mark = message.messageID.map { "mail " + $0 }
            if let mark {
                try run(connection, "SELECT pg_advisory_xact_lock(hashtextextended(\(mark), \(Self.mailLock)))")
                if try mailRead(connection, mark: mark) { return (.alreadySeen, ScheduleChanges()) }
            }
            guard let outreachID = try outreachAnswered(connection, thread: message.thread, senders: message.senders)
            else { return (.ignored, ScheduleChanges()) }
            try lockSequence(connection, outreachID: outreachID)
            let outreach = try self.outreach(connection, id: outreachID, locked: true)
            let contact = try self.contact(connection, id: outreach.outreach.contactID).contact
            let name = contact.name
            let authorRules = try rules(nodeRules, of: outreach.author, connection)
            switch message.meaning {
            case .reply:
                try run(connection, """
                    UPDATE outreach SET status = \(OutreachStatus.replied.rawValue), closed_at = \(now) WHERE id = \(outreachID)
                    """)
                var changes = ScheduleChanges(cancelled: try cancelSequence(connection, outreachID: outreachID))
                let cancelledSteps = changes.cancelled.count
                // A reply from an address proves it works again.
                try run(connection, """
                    DELETE FROM bouncing_address WHERE contact_id = \(contact.id)
                      AND lower(address) = ANY(\(message.senders.map { $0.lowercased() }))
                    """)
                changes.merge(try recordInteraction(connection, contactID: contact.id, outreachID: outreachID, kind: .reply,
                                                    at: now, note: mark, by: user, rules: nodeRules))
                if let offer = message.offer {
                    let when = HumanTime.moment(offer.startsAt, in: authorRules.userZone)
                    let reminderID = try tellInbox(connection, IngestResult.offerText(name, when: when, place: offer.place),
                                                   outreach: outreach, at: now, changes: &changes)
                    try run(connection, """
                        INSERT INTO meeting_offer (reminder_id, contact_id, outreach_id, starts_at, ends_at, place, uid, summary)
                        VALUES (\(reminderID), \(contact.id), \(outreachID), \(offer.startsAt), \(offer.endsAt), \(offer.place),
                                \(offer.uid), \(offer.summary))
                        """)
                    return (.offered(name, outreach: outreachID, when: HumanTime.moment(offer.startsAt, in: zone), place: offer.place),
                            changes)
                }
                try tellInbox(connection, IngestResult.replyText(name, subject: message.subject), outreach: outreach, at: now,
                              changes: &changes)
                return (.replied(name, outreach: outreachID, cancelled: cancelledSteps), changes)
            case .autoReply:
                // Not a sign of life: no keep-in-touch is moved.
                try insertInteraction(connection, contactID: contact.id, outreachID: outreachID, kind: ReplyOutcome.autoReply.rawValue,
                                      at: now, note: mark, by: user)
                var changes = ScheduleChanges()
                var movedTo: String?
                if let returnDay = message.returnDay, let next = try pendingSequence(connection, outreachID: outreachID) {
                    // Planned by the rules of the reminder's owner (the contact's), as its step was.
                    let owner = try connection.query("SELECT owner FROM reminder WHERE id = \(next.id)", logger: logger).wait()
                        .first?.decode(String?.self)
                    let ownerRules = try rules(nodeRules, of: owner, connection)
                    if let later = Planner.afterReturn(returnDay, current: PlannedTime(dueAt: next.dueAt, fireAt: next.fireAt, reason: next.reason),
                                                       contactZone: contact.zone, rules: ownerRules) {
                        // moved_at: a re-plan keeps it there.
                        try run(connection, """
                            UPDATE reminder SET due_at = \(later.dueAt), fire_at = \(later.fireAt), reason = \(later.reason),
                                                moved_at = \(now)
                            WHERE id = \(next.id)
                            """)
                        changes.scheduled.append(ScheduledReminder(id: next.id, due: later.fireAt))
                        movedTo = HumanTime.moment(later.fireAt, in: zone)
                    }
                }
                return (.autoReply(name, outreach: outreachID, back: movedTo == nil ? nil : message.returnDay, movedTo: movedTo), changes)
            case .bounce:
                try insertInteraction(connection, contactID: contact.id, outreachID: outreachID, kind: ReplyOutcome.bounce.rawValue,
                                      at: now, note: mark, by: user)
                let reported = Set(message.senders.map { $0.lowercased() })
                for address in contact.emails where reported.contains(address.lowercased()) {
                    try run(connection, """
                        INSERT INTO bouncing_address (contact_id, address, reason, since)
                        VALUES (\(contact.id), \(address), \(message.bounceReason), \(now))
                        ON CONFLICT (contact_id, address) DO UPDATE SET reason = excluded.reason, since = excluded.since
                        """)
                }
                var changes = ScheduleChanges()
                try tellInbox(connection, IngestResult.bounceText(name, subject: message.subject), outreach: outreach, at: now,
                              changes: &changes)
                return (.bounced(name, outreach: outreachID), changes)
            }
        }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return result
    }

    /// Whether a message with this Message-ID was read before (a reply, an automatic
    /// answer, a bounce, a follow-up sent, or the ask itself).
    public func mailAlreadyIngested(messageID: String) throws -> Bool {
        try withConnection { connection in
            try mailRead(connection, mark: "mail " + messageID)
                || connection.query("SELECT 1 FROM outreach WHERE message_id = \(messageID)", logger: logger).wait().first != nil
        }
    }

    /// The contact's addresses that bounced and are still among its e-mails.
    public func bouncingAddresses(contactID: Int64) throws -> [(address: String, reason: String?, since: Date)] {
        try withConnection { connection in
            let emails = Set(try contact(connection, id: contactID).contact.emails.map { $0.lowercased() })
            return try connection.query("""
                SELECT address, reason, since FROM bouncing_address WHERE contact_id = \(contactID) ORDER BY address
                """, logger: logger).wait()
                .map { try $0.decode((String, String?, Date).self) }
                .filter { emails.contains($0.0.lowercased()) }
                .map { (address: $0.0, reason: $0.1, since: $0.2) }
        }
    }

    /// A small fact a node remembers across restarts (how far a mail folder was read).
    public func bookkeeping(_ key: String) throws -> String? {
        try withConnection { connection in
            try connection.query("SELECT value FROM relance_bookkeeping WHERE key = \(key)", logger: logger).wait()
                .first?.decode(String.self)
        }
    }

    /// Remembers `value` under `key`.
    public func setBookkeeping(_ key: String, _ value: String) throws {
        try withConnection { try setBookkeeping($0, Bookkeeping(key: key, value: value)) }
    }

    func setBookkeeping(_ connection: PostgresConnection, _ fact: Bookkeeping) throws {
        try run(connection, """
            INSERT INTO relance_bookkeeping (key, value) VALUES (\(fact.key), \(fact.value))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            """)
    }

    // MARK: In a transaction

    private func mailRead(_ connection: PostgresConnection, mark: String) throws -> Bool {
        try connection.query("SELECT 1 FROM interaction WHERE note = \(mark) LIMIT 1", logger: logger).wait().first != nil
    }

    /// The outreach a message answers: by thread first (in the thread's order), then by a
    /// sender address (`MailAddressKey`, never a display name) of a contact with an
    /// outreach awaiting a reply, the newest.
    private func outreachAnswered(_ connection: PostgresConnection, thread: [String], senders: [String]) throws -> Int64? {
        if !thread.isEmpty {
            let found = try connection.query("""
                SELECT id, message_id FROM outreach WHERE message_id = ANY(\(thread))
                """, logger: logger).wait().map { try $0.decode((Int64, String).self) }
            for id in thread {
                if let match = found.filter({ $0.1 == id }).map(\.0).min() { return match }
            }
        }
        let addresses = Set(senders.map(MailAddressKey.of))
        guard !addresses.isEmpty else { return nil }
        let contactIDs = try contacts(connection).map(\.contact)
            .filter { $0.emails.contains { addresses.contains(MailAddressKey.of($0)) } }.map(\.id)
        guard !contactIDs.isEmpty else { return nil }
        // The contacts in name order, as the personal store's first match.
        for contactID in contactIDs {
            if let id = try connection.query("""
                SELECT id FROM outreach WHERE contact_id = \(contactID) AND status = \(OutreachStatus.awaitingReply.rawValue)
                ORDER BY sent_at DESC, id DESC LIMIT 1
                """, logger: logger).wait().first?.decode(Int64.self) { return id }
        }
        return nil
    }

    /// An interaction that is no sign of life (an automatic answer, a bounce): the
    /// keep-in-touch reminder stays where it is.
    private func insertInteraction(_ connection: PostgresConnection, contactID: Int64, outreachID: Int64, kind: String,
                                   at date: Date, note: String?, by user: String?) throws {
        try run(connection, """
            INSERT INTO interaction (contact_id, outreach_id, kind, at, note, by_user)
            VALUES (\(contactID), \(outreachID), \(kind), \(date), \(note), \(user))
            """)
    }

    /// An inbox item now for the outreach's author: a reminder due at once, fired by
    /// whichever node claims it, like any other.
    @discardableResult
    private func tellInbox(_ connection: PostgresConnection, _ text: String, outreach: TeamOutreach, at now: Date,
                           changes: inout ScheduleChanges) throws -> Int64 {
        let id = try connection.query("""
            INSERT INTO reminder (kind, text, due_at, fire_at, reason, created_by, contact_id, outreach_id, owner)
            VALUES (\(ReminderKind.custom.rawValue), \(String(text.prefix(500))), \(now), \(now), 'from your mail', \(settings.node),
                    \(outreach.outreach.contactID), \(outreach.outreach.id), \(outreach.author))
            RETURNING id
            """, logger: logger).wait().first!.decode(Int64.self)
        changes.scheduled.append(ScheduledReminder(id: id, due: now))
        return id
    }
}

extension TeamStore {
    /// `by` accepts the meeting their inbox item announced, in ONE transaction: the
    /// meeting with the place, time and date offered and its reminders (theirs: they go),
    /// the outreach marked so. Refused, nothing changed, for an item offering nothing,
    /// accepted already, or someone else's.
    public func acceptMeetingOffer(inboxItemID: Int64, by user: String, rules: TimingRules,
                                   now: Date) throws -> (TeamMeeting, OfferedMeeting) {
        let (meeting, offer, changes) = try transaction { connection -> (TeamMeeting, OfferedMeeting, ScheduleChanges) in
            guard try connection.query("SELECT 1 FROM inbox_item WHERE id = \(inboxItemID)", logger: logger).wait().first != nil
            else { throw StoreError.inboxItemNotFound(id: inboxItemID) }
            try checkOwner(connection, of: [inboxItemID], user: user, doing: "accept the meeting it offers")
            guard let row = try connection.query("""
                SELECT o.id, o.contact_id, o.outreach_id, o.starts_at, o.ends_at, o.place, o.uid, o.summary, o.accepted_meeting_id
                FROM meeting_offer o JOIN inbox_item i ON i.reminder_id = o.reminder_id
                WHERE i.id = \(inboxItemID) FOR UPDATE OF o
                """, logger: logger).wait().first else {
                throw StoreError.invalidState(what: "item", reason: "#\(inboxItemID) offers no meeting; see `relancectl inbox`")
            }
            let (offerID, contactID, outreachID, startsAt, endsAt, place, uid, summary, accepted) =
                try row.decode((Int64, Int64, Int64?, Date, Date, String, String?, String?, Int64?).self)
            if let accepted {
                throw StoreError.invalidState(what: "item", reason: "#\(inboxItemID) was accepted already (meeting #\(accepted))")
            }
            let minutes = max(15, Int(endsAt.timeIntervalSince(startsAt) / 60))
            let draft = MeetingDraft(contactID: contactID, outreachID: outreachID, startsAt: startsAt,
                                     duration: ISODuration(minutes: minutes), place: place)
            let (meeting, _, changes) = try insertMeeting(connection, draft, by: user, force: true, rules: rules, now: now)
            try run(connection, "UPDATE meeting_offer SET accepted_meeting_id = \(meeting.meeting.id) WHERE id = \(offerID)")
            if let outreachID {
                try run(connection, "UPDATE outreach SET status = \(OutreachStatus.meetingAgreed.rawValue) WHERE id = \(outreachID)")
            }
            return (meeting, OfferedMeeting(startsAt: startsAt, endsAt: endsAt, place: place, uid: uid, summary: summary), changes)
        }
        if !changes.isEmpty { listener.tellLocally(changes) }
        return (meeting, offer)
    }
}
