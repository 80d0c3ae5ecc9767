import Foundation
import GRDB
import RelanceCore

/// What an ingested message did.
public struct IngestResult: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        /// A reply: the outreach is replied, its nudges cancelled, the inbox told.
        case reply
        /// An automatic answer: recorded on the outreach, the sequence goes on.
        case autoReply = "auto_reply"
        /// A bounce: recorded, and the inbox told the address bounced.
        case bounce
        /// Not about a known contact or thread: nothing was stored.
        case ignored
        /// This Message-ID was ingested before: nothing changed.
        case alreadySeen = "already_seen"
    }
    public var outcome: Outcome
    public var outreachID: Int64?
    public var contactName: String?
    /// One sentence for the person who piped the message in.
    public var summary: String

    public init(outcome: Outcome, outreachID: Int64? = nil, contactName: String? = nil, summary: String) {
        self.outcome = outcome; self.outreachID = outreachID; self.contactName = contactName; self.summary = summary
    }

    // What each outcome says, the same on either store.

    public static let alreadySeen = IngestResult(outcome: .alreadySeen, summary: "This message was read before; nothing changed.")
    public static let ignored = IngestResult(outcome: .ignored, summary: "Not about a contact you are waiting to hear from; nothing stored.")

    public static func replied(_ contact: String, outreach: Int64, cancelled: Int) -> IngestResult {
        IngestResult(outcome: .reply, outreachID: outreach, contactName: contact,
                     summary: "\(contact) replied to outreach #\(outreach): marked replied; cancelled \(cancelled) pending follow-up\(cancelled == 1 ? "" : "s").")
    }

    public static func offered(_ contact: String, outreach: Int64, when: String, place: String) -> IngestResult {
        IngestResult(outcome: .reply, outreachID: outreach, contactName: contact,
                     summary: "\(contact) replied to outreach #\(outreach) and offers a meeting \(when) at \(place); it waits in your inbox.")
    }

    /// An automatic answer; `movedTo`: when the next nudge now fires, after `back`.
    public static func autoReply(_ contact: String, outreach: Int64, back: LocalDate?, movedTo: String?) -> IngestResult {
        let summary = if let back, let movedTo {
            "An out-of-office from \(contact) (outreach #\(outreach)): back \(back); the next nudge waits until \(movedTo)."
        } else {
            "An automatic answer from \(contact) (outreach #\(outreach)): recorded, not a reply; the follow-ups go on."
        }
        return IngestResult(outcome: .autoReply, outreachID: outreach, contactName: contact, summary: summary)
    }

    public static func bounced(_ contact: String, outreach: Int64) -> IngestResult {
        IngestResult(outcome: .bounce, outreachID: outreach, contactName: contact,
                     summary: "Your mail to \(contact) bounced (outreach #\(outreach)): check the address.")
    }

    /// The inbox texts.
    public static func replyText(_ contact: String, subject: String) -> String { "\(contact) replied — \(oneLine(subject))" }
    public static func offerText(_ contact: String, when: String, place: String) -> String {
        "\(contact) offers \(when) at \(place) — to accept: relancectl meeting accept <this item's #>"
    }
    public static func bounceText(_ contact: String, subject: String) -> String { "Your mail to \(contact) bounced — \(oneLine(subject))" }

    /// One line: a subject is someone else's text, and may carry anything.
    static func oneLine(_ subject: String) -> String {
        let oneLine = String(String.UnicodeScalarView(subject.unicodeScalars.map {
            $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? " " : $0
        })).trimmingCharacters(in: .whitespaces)
        return oneLine.isEmpty ? "(no subject)" : String(oneLine.prefix(200))
    }
}

extension AppDatabase {
    /// Records what an incoming message means for an outreach, in ONE transaction:
    /// matched by its thread (`In-Reply-To`/`References` naming the outreach's own
    /// Message-ID) or else by a sender address of a contact with an outreach awaiting a
    /// reply — never by display name. Only the headers' facts are stored (who, when, the
    /// subject in the inbox text), never the body. Idempotent by Message-ID.
    /// - Parameter returnDay: for an automatic answer, the day it says they are back: the
    ///   pending nudge then waits until a little after it (never earlier than planned).
    ///   A meeting it offers (an invitation in it) is announced in the inbox instead, for
    ///   `meeting accept`.
    ///   For a bounce, `senders` are the report's recipients and `bounceReason` what it
    ///   said: the contact's address among them is marked bouncing.
    /// - Parameter bookkeeping: a fact to remember in the same transaction (how far a
    ///   watched folder was read: one write per message, not two).
    public func ingestMail(from senders: [String], thread: [String], messageID: String?, subject: String,
                           meaning: MailMeaning, returnDay: LocalDate? = nil, offer: OfferedMeeting? = nil,
                           bounceReason: String? = nil, bookkeeping: Bookkeeping? = nil,
                           at now: Date, rules: TimingRules) throws -> IngestResult {
        try writer.write { db in
            if let bookkeeping { try Self.setBookkeeping(db, bookkeeping) }
            let mark = messageID.map { "mail " + $0 }
            if let mark, try InteractionRecord.filter(Column("note") == mark).fetchCount(db) > 0 {
                return .alreadySeen
            }
            guard let outreach = try Self.outreach(db, thread: thread, senders: senders) else {
                return .ignored
            }
            let contact = try Self.contact(db, id: outreach.contactId)
            switch meaning {
            case .reply:
                var record = outreach
                record.status = .replied
                record.closedAt = now
                try record.update(db)
                let cancelled = try Self.cancelSequence(db, outreachID: outreach.id!)
                // A reply from an address proves it works again.
                try db.execute(sql: "DELETE FROM bouncingAddress WHERE contactId = ? AND lower(address) IN (SELECT lower(value) FROM json_each(?))",
                               arguments: [contact.id, Self.jsonArray(senders)])
                _ = try Self.recordInteraction(db, contactID: contact.id, outreachID: outreach.id, kind: "reply", at: now,
                                               note: mark, rules: rules)
                if let offer {
                    let when = HumanTime.moment(offer.startsAt, in: rules.userZone)
                    let reminderID = try Self.tellInbox(db, IngestResult.offerText(contact.name, when: when, place: offer.place),
                                                        contactID: contact.id, outreachID: outreach.id, at: now)
                    var record = MeetingOfferRecord(id: nil, reminderId: reminderID, contactId: contact.id, outreachId: outreach.id,
                                                    startsAt: offer.startsAt, endsAt: offer.endsAt, place: offer.place,
                                                    uid: offer.uid, summary: offer.summary, acceptedMeetingId: nil)
                    try record.insert(db)
                    return .offered(contact.name, outreach: outreach.id!, when: when, place: offer.place)
                }
                try Self.tellInbox(db, IngestResult.replyText(contact.name, subject: subject), contactID: contact.id,
                                   outreachID: outreach.id, at: now)
                return .replied(contact.name, outreach: outreach.id!, cancelled: cancelled.count)
            case .autoReply:
                // Not a sign of life: no keep-in-touch is moved.
                var interaction = InteractionRecord(id: nil, contactId: contact.id, outreachId: outreach.id,
                                                    kind: ReplyOutcome.autoReply.rawValue, at: now, note: mark)
                try interaction.insert(db)
                var movedTo: String?
                if let returnDay, var next = try ReminderRecord
                    .filter(Column("outreachId") == outreach.id! && Column("state") == ReminderState.pending
                            && [ReminderKind.followUp, .letGo].contains(Column("kind")))
                    .order(Column("fireAt")).fetchOne(db),
                   let later = Planner.afterReturn(returnDay, current: PlannedTime(dueAt: next.dueAt, fireAt: next.fireAt, reason: next.reason),
                                                   contactZone: contact.zone, rules: rules) {
                    next.dueAt = later.dueAt
                    next.fireAt = later.fireAt
                    next.reason = later.reason
                    next.movedAt = now  // a reload keeps it there
                    try next.update(db)
                    movedTo = HumanTime.moment(later.fireAt, in: rules.userZone)
                }
                return .autoReply(contact.name, outreach: outreach.id!, back: returnDay, movedTo: movedTo)
            case .bounce:
                var interaction = InteractionRecord(id: nil, contactId: contact.id, outreachId: outreach.id,
                                                    kind: ReplyOutcome.bounce.rawValue, at: now, note: mark)
                try interaction.insert(db)
                let reported = Set(senders.map { $0.lowercased() })
                for address in contact.emails where reported.contains(address.lowercased()) {
                    try db.execute(sql: """
                        INSERT INTO bouncingAddress (contactId, address, reason, since) VALUES (?, ?, ?, ?)
                        ON CONFLICT(contactId, address) DO UPDATE SET reason = excluded.reason, since = excluded.since
                        """, arguments: [contact.id, address, bounceReason, now.timeIntervalSince1970])
                }
                try Self.tellInbox(db, IngestResult.bounceText(contact.name, subject: subject), contactID: contact.id,
                                   outreachID: outreach.id, at: now)
                return .bounced(contact.name, outreach: outreach.id!)
            }
        }
    }

    /// The contact's addresses that bounced and are still among its e-mails.
    public func bouncingAddresses(contactID: Int64) throws -> [(address: String, reason: String?, since: Date)] {
        try writer.read { db in
            let emails = Set(try Self.contact(db, id: contactID).emails.map { $0.lowercased() })
            return try Row.fetchAll(db, sql: "SELECT address, reason, since FROM bouncingAddress WHERE contactId = ? ORDER BY address",
                                    arguments: [contactID])
                .filter { emails.contains(($0[0] as String).lowercased()) }
                .map { ($0[0], $0[1], Date(timeIntervalSince1970: $0[2])) }
        }
    }

    static func jsonArray(_ strings: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(strings)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// Whether a message with this Message-ID was ingested before (as a reply, an
    /// automatic answer, a bounce, a follow-up you sent, or the ask itself).
    public func mailAlreadyIngested(messageID: String) throws -> Bool {
        try writer.read { db in
            try InteractionRecord.filter(Column("note") == "mail " + messageID).fetchCount(db) > 0
                || OutreachRecord.filter(Column("messageId") == messageID).fetchCount(db) > 0
        }
    }

    /// The outreach a message is about: by thread first, then by sender.
    private static func outreach(_ db: Database, thread: [String], senders: [String]) throws -> OutreachRecord? {
        for id in thread {
            if let found = try OutreachRecord.filter(Column("messageId") == id).fetchOne(db) { return found }
        }
        let addresses = Set(senders.map(MailAddressKey.of))
        guard !addresses.isEmpty else { return nil }
        let contacts = try ContactRecord.fetchAll(db).filter { contact in
            contact.emails.contains { addresses.contains(MailAddressKey.of($0)) }
        }
        for contact in contacts {
            if let open = try OutreachRecord.filter(Column("contactId") == contact.id && Column("status") == OutreachStatus.awaitingReply)
                .order(Column("sentAt").desc).fetchOne(db) {
                return open
            }
        }
        return nil
    }

    /// An inbox item now: a reminder due at once, fired by the scheduler like any other.
    @discardableResult
    private static func tellInbox(_ db: Database, _ text: String, contactID: Int64, outreachID: Int64?, at now: Date) throws -> Int64 {
        var reminder = ReminderRecord(kind: .custom, text: String(text.prefix(500)), contactId: contactID, outreachId: outreachID,
                                      planned: PlannedTime(dueAt: now, fireAt: now, reason: "from your mail"))
        try reminder.insert(db)
        return reminder.id!
    }

    /// Accepts the meeting an inbox item announced, in ONE transaction: the meeting with
    /// their place, time and date and its reminders, the outreach marked as such.
    public func acceptMeetingOffer(inboxItemID: Int64, rules: TimingRules, now: Date) throws -> (Meeting, OfferedMeeting) {
        try writer.write { db in
            let item = try Self.inboxItem(db, id: inboxItemID)
            guard var offer = try MeetingOfferRecord.filter(Column("reminderId") == item.reminderId).fetchOne(db) else {
                throw StoreError.invalidState(what: "item", reason: "#\(inboxItemID) offers no meeting; see `relancectl inbox`")
            }
            if let accepted = offer.acceptedMeetingId {
                throw StoreError.invalidState(what: "item", reason: "#\(inboxItemID) was accepted already (meeting #\(accepted))")
            }
            let minutes = max(15, Int(offer.endsAt.timeIntervalSince(offer.startsAt) / 60))
            let draft = MeetingDraft(contactID: offer.contactId, outreachID: offer.outreachId, startsAt: offer.startsAt,
                                     duration: ISODuration(minutes: minutes), place: offer.place)
            let (meeting, _) = try Self.addMeeting(db, draft, force: true, rules: rules, now: now)
            offer.acceptedMeetingId = meeting.id
            try offer.update(db)
            if let outreachID = offer.outreachId, var outreach = try OutreachRecord.fetchOne(db, key: outreachID) {
                outreach.status = .meetingAgreed
                try outreach.update(db)
            }
            return (meeting, offer.model)
        }
    }
}

extension AppDatabase {
    /// A small fact the daemon remembers across restarts (how far a mail folder was read).
    public func bookkeeping(_ key: String) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM bookkeeping WHERE key = ?", arguments: [key]) }
    }

    /// Remembers `value` under `key`.
    public func setBookkeeping(_ key: String, _ value: String) throws {
        try writer.write { db in try Self.setBookkeeping(db, Bookkeeping(key: key, value: value)) }
    }

    static func setBookkeeping(_ db: Database, _ fact: Bookkeeping) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO bookkeeping (key, value) VALUES (?, ?)", arguments: [fact.key, fact.value])
    }
}

/// A small fact the daemon remembers across restarts, under its key.
public struct Bookkeeping: Sendable, Equatable {
    public var key: String
    public var value: String
    public init(key: String, value: String) { self.key = key; self.value = value }
}

/// How two addresses are compared: case-insensitively, and without a `+tag` in the
/// local part (ada+news@example.com is ada@example.com). Never by display name.
public enum MailAddressKey {
    public static func of(_ address: String) -> String {
        let lower = address.lowercased()
        guard let at = lower.lastIndex(of: "@") else { return lower }
        let local = lower[..<at]
        let base = local.split(separator: "+", maxSplits: 1).first.map(String.init) ?? String(local)
        return base + lower[at...]
    }
}

/// A meeting a contact offered in a mail: their place, time and date.
public struct OfferedMeeting: Sendable, Equatable {
    public var startsAt: Date
    public var endsAt: Date
    public var place: String
    /// The invitation's UID, for the iCalendar REPLY.
    public var uid: String?
    public var summary: String?
    public init(startsAt: Date, endsAt: Date, place: String, uid: String? = nil, summary: String? = nil) {
        self.startsAt = startsAt; self.endsAt = endsAt; self.place = place; self.uid = uid; self.summary = summary
    }
}

struct MeetingOfferRecord: Codable, FetchableRecord, MutablePersistableRecord, TimestampedRecord {
    static let databaseTableName = "meetingOffer"
    var id: Int64?
    var reminderId: Int64
    var contactId: Int64
    var outreachId: Int64?
    var startsAt: Date
    var endsAt: Date
    var place: String
    var uid: String?
    var summary: String?
    var acceptedMeetingId: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
    var model: OfferedMeeting { OfferedMeeting(startsAt: startsAt, endsAt: endsAt, place: place, uid: uid, summary: summary) }
}
