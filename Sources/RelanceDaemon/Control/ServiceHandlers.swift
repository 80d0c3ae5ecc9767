import Foundation
import Logging
import RelanceAPI
import RelanceCalendar
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// The daemon itself: status, reload, the inbox stream, channel tests, backup and
// restore, and drafted follow-up messages.

extension ControlService {
    /// Registers Status, Reload, Watch, TestNotify, Backup, Restore, ListSnapshots, Draft,
    /// and refuses the team-node GetMe, SetMyMail, SetMyZone and SetMyWindow.
    static func registerServiceHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(Status.self, readOnly: true) { service, _ in try service.status() }
        handlers.register(Reload.self, readOnly: true) { service, _ in try Self.reload(service.reloadHandler) }
        handlers.registerStreaming(Watch.self, readOnly: true) { service, call, replies in
            try await service.watch(call, replies: replies)
        }
        handlers.register(TestNotify.self, readOnly: true) { service, p in try await testNotify(p, on: service.delivery) }
        handlers.register(Backup.self, readOnly: true) { service, _ in try service.backup() }
        handlers.register(Restore.self, readOnly: false) { service, p in try service.restore(p) }
        handlers.register(ListSnapshots.self, readOnly: true) { service, _ in service.listSnapshots() }
        handlers.register(Draft.self, readOnly: true) { service, p in try service.draft(p) }
        handlers.register(Ingest.self, readOnly: false) { service, p in try service.ingest(p) }
        handlers.register(AcceptMeeting.self, readOnly: false) { service, p in try service.acceptMeeting(p) }
        // Team-node methods: a personal daemon has one user, mailed at `[mail] to`.
        handlers.register(GetMe.self, readOnly: true) { _, _ in throw personalHasNoTeamUsers }
        handlers.register(SetMyMail.self, readOnly: false) { _, _ in throw personalHasNoTeamUsers }
        handlers.register(SetMyWindow.self, readOnly: false) { _, _ in
            throw ControlError.invalidParameter("days", reason: "this daemon is personal (SQLite): it reads your delivery window in [window] of its configuration; a window of your own is for team nodes ([store] url)")
        }
        handlers.register(SetMyZone.self, readOnly: false) { _, _ in
            throw ControlError.invalidParameter("zone", reason: "this daemon is personal (SQLite): it reads your times in [user] time_zone of its configuration; a zone of your own is for team nodes ([store] url)")
        }
    }

    private static let personalHasNoTeamUsers = ControlError.invalidParameter("mail",
        reason: "this daemon is personal (SQLite): it mails your reminders to [mail] to in its configuration; a delivery address of your own is for team nodes ([store] url)")

    /// Accepts an offered meeting; the answer stays yours to send.
    private func acceptMeeting(_ p: AcceptMeeting.Parameters) throws -> AcceptMeeting.Reply {
        let now = clock.now()
        let (meeting, offer) = try store.acceptMeetingOffer(inboxItemID: p.item, rules: rules, now: now)
        let contact = try store.contact(id: meeting.contactID)
        let (draft, reply) = Self.acceptance(of: offer, to: contact, now: now, zone: rules.userZone,
                                             signedBy: currentConfiguration.userName, attendee: currentConfiguration.userEmail)
        logger.info("accepted the meeting offered by \(contact.name)", metadata: ["contact_id": "\(contact.id)"])
        return AcceptMeeting.Reply(meeting: meeting.info(contactName: contact.name), draft: draft, calendarReply: reply,
                                   timeZone: zoneName)
    }

    /// The answer to an accepted offer, yours to send (either store): a short mail, and
    /// the iCalendar REPLY when the invitation had a UID.
    static func acceptance(of offer: OfferedMeeting, to contact: Contact, now: Date, zone: TimeZone,
                           signedBy name: String?, attendee email: String?) -> (draft: String, calendarReply: String?) {
        let given = contact.details.givenName ?? contact.name.split(separator: " ").first.map(String.init) ?? contact.name
        let when = HumanTime.moment(offer.startsAt, in: zone)
        let draft = "Hello \(given),\n\nThank you — \(when) at \(offer.place) suits me perfectly. See you then!\n"
            + (name.map { "\n\($0)\n" } ?? "")
        var reply: String?
        if let uid = offer.uid {
            let stamp = ISO8601DateFormatter.basic.string(from: now)
            let attendee = email.map { "ATTENDEE;PARTSTAT=ACCEPTED:mailto:\($0)\r\n" } ?? ""
            reply = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relance//relanced//EN\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\n"
                + "UID:\(uid)\r\nDTSTAMP:\(stamp)\r\nDTSTART:\(ISO8601DateFormatter.basic.string(from: offer.startsAt))\r\n"
                + attendee + "END:VEVENT\r\nEND:VCALENDAR\r\n"
        }
        return (draft, reply)
    }

    /// A mail you sent: a follow-up to an open outreach, or a new ask (per `[mail_watch] sent`).
    private func ingestSent(_ mail: SentMail) throws -> Ingest.Reply {
        let now = clock.now()
        guard let contact = try store.contacts().first(where: mail.isTo) else { return SentMail.toNoContact }
        let mark = mail.messageID.map { "mail " + $0 }
        if let messageID = mail.messageID, try store.mailAlreadyIngested(messageID: messageID) { return SentMail.readBefore }
        if let open = try store.outreaches(contactID: contact.id, status: .awaitingReply).first {
            let (outreach, next, _) = try store.logFollowUp(outreachID: open.id, at: mail.sentAt, note: mark, rules: rules)
            return SentMail.followUp(to: contact, outreach: outreach.id, next: next?.fireAt, zone: rules.userZone)
        }
        switch currentConfiguration.sentMail {
        case .log:
            let (outreach, first, _) = try store.logOutreach(contactID: contact.id, channel: "email", ask: mail.ask,
                                                             sentAt: mail.sentAt, policy: rules.followUp, rules: rules, messageID: mail.messageID)
            return SentMail.outreachLogged(to: contact, outreach: outreach.id, first: first?.fireAt, zone: rules.userZone)
        case .suggest:
            _ = try store.addReminder(text: mail.suggestion(to: contact), dueAt: now, contactID: contact.id)
            return SentMail.suggested(contact)
        case .off:
            return SentMail.notTracked(contact)
        }
    }

    /// A received message: what it means for an outreach, from its headers alone. Also
    /// the write path of the Maildir watcher.
    /// - Parameter bookkeeping: remembered with what the message did, in the same
    ///   transaction when it is a received one (a Maildir folder's watermark). When this
    ///   throws, it was not remembered.
    func ingest(_ p: Ingest.Parameters, bookkeeping: Bookkeeping? = nil) throws -> Ingest.Reply {
        let now = clock.now()
        if p.sent == true {
            // Its writes are the outreach's own (a follow-up, an ask, a suggestion); the
            // watermark follows them (most sent mail writes nothing else).
            let reply = try ingestSent(try SentMail(reading: p.message, now: now))
            if let bookkeeping { try store.setBookkeeping(bookkeeping.key, bookkeeping.value) }
            return reply
        }
        let mail = try ReceivedMail(reading: p.message, now: now, zone: rules.userZone)
        let result = try store.ingestMail(from: mail.senders, thread: mail.thread, messageID: mail.messageID,
                                          subject: mail.subject, meaning: mail.meaning, returnDay: mail.returnDay, offer: mail.offer,
                                          bounceReason: mail.bounceReason, bookkeeping: bookkeeping, at: now, rules: rules)
        if result.outcome != .ignored {
            logger.info("ingested a message: \(result.summary)", metadata: ["outreach_id": "\(result.outreachID.map(String.init) ?? "")"])
        }
        return result.reply
    }

    private func status() throws -> Status.Reply {
        let counts = try store.counts(includingPending: false)
        // The scheduler's heap knows the pending count: no COUNT over a million rows.
        let (next, pending) = scheduler.snapshot()
        let nextReminder = try next.flatMap { try store.reminder(id: $0.id) }
        return Status.Reply(version: Self.version, startedAt: startedAt, contacts: counts.contacts,
                            awaitingReply: counts.outreachAwaitingReply, pendingReminders: pending,
                            unread: counts.unread, nextDueAt: next?.due, nextDueText: nextReminder?.text,
                            database: databasePath, timeZone: rules.userZone.identifier,
                            channels: (delivery?.health ?? []).map { ChannelInfo(name: $0.name, health: $0.health) },
                            mailSources: mailSources?.infos)
    }

    /// `Reload`, on either store: a rejected file is `ConfigurationInvalid`.
    static func reload(_ handler: @Sendable () throws -> Void) throws -> Empty {
        do {
            try handler()
        } catch let error as ConfigurationError {
            throw ControlError.configurationInvalid(reason: error.description)
        }
        return Empty()
    }

    private func watch(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        try await Self.watch(broadcaster, call, replies: replies, zone: zoneName)
    }

    /// `Watch`: every item `broadcaster` publishes, as it is published, until the client
    /// goes away (personal daemon and team node alike).
    static func watch(_ broadcaster: InboxBroadcaster, _ call: VarlinkCall, replies: VarlinkReplyWriter,
                      zone: String, include: @Sendable (InboxItem) -> Bool = { _ in true }) async throws {
        guard call.more == true else { throw VarlinkError.expectedMore(call.method) }
        let (after, items) = broadcaster.subscribe()
        defer { items.finish() }  // however the call ends (overflow, a failed write)
        var delivered = after
        // Everything published since the last write goes out in one write.
        while let batch = await items.nextBatch() {
            // A gap: this watcher fell more than the broadcaster's buffer behind and the
            // oldest items were dropped. Say so and end, rather than skip them silently;
            // everything fired since the last item delivered is lost to this call.
            var expected = delivered + 1
            let inOrder = batch.prefix { published in
                defer { expected += 1 }
                return published.sequence == expected
            }
            // Only the caller's (a team user's inbox); the others still count as delivered.
            let shown = inOrder.filter { include($0.item) }
            try await replies.sendContinuing(shown.map { InboxItemReply(item: $0.item.info, timeZone: zone) })
            delivered = inOrder.last?.sequence ?? delivered
            guard inOrder.count == batch.count else {
                throw ControlError.watchOverflow(lost: broadcaster.lastSequence - delivered)
            }
        }
    }

    /// Sends a test notice through the channels asked (all of this node's by default).
    static func testNotify(_ p: TestNotify.Parameters, on delivery: DeliveryService?) async throws -> TestNotify.Reply {
        guard let delivery else { return TestNotify.Reply(results: []) }
        let names = p.channel.map { [$0] } ?? delivery.channelNames
        if let name = p.channel, delivery.channel(name) == nil {
            throw ControlError.invalidParameter("channel", reason: "'\(name)' is not configured; configured: \(delivery.channelNames.joined(separator: ", "))")
        }
        var results: [ChannelInfo] = []
        for name in names { results.append(ChannelInfo(name: name, health: await delivery.test(name))) }
        return TestNotify.Reply(results: results)
    }

    private func backup() throws -> Backup.Reply {
        Backup.Reply(snapshot: String(decoding: try store.snapshot(createdAt: clock.now()), as: UTF8.self))
    }

    private func restore(_ p: Restore.Parameters) throws -> Restore.Reply {
        var snapshotID: String?
        do {
            if let id = p.snapshotId {
                guard p.snapshot == nil, p.path == nil else {
                    throw ControlError.invalidParameter("snapshotId", reason: "give one of snapshot, path or snapshotId")
                }
                guard let snapshots else {
                    throw ControlError.invalidParameter("snapshotId", reason: "this store keeps no snapshots (it is in memory)")
                }
                // Find it before snapshotting the present, so a typo changes nothing.
                _ = try snapshots.snapshot(id: id)
                snapshotID = try safetySnapshot("restore")
                try snapshots.restore(id: id)
            } else {
                let data: Data
                try checkClientPath(p.path, parameter: "path")
                switch (p.snapshot, p.path) {
                case (let text?, nil): data = Data(text.utf8)
                case (nil, let path?):
                    guard let contents = FileManager.default.contents(atPath: path) else {
                        throw ControlError.invalidParameter("path", reason: "relanced cannot read \(path) (a service with a private /tmp cannot see files there; use a file in your home directory)")
                    }
                    data = contents
                default: throw ControlError.invalidParameter("snapshot", reason: "give either snapshot or path")
                }
                try store.checkRestorable(data, force: p.force ?? false)
                snapshotID = try safetySnapshot("restore")
                try store.restore(data, force: p.force ?? false)
            }
        } catch let error as RestoreError {
            throw ControlError.restoreRefused(reason: error.reason)
        } catch SnapshotError.notFound(let id) {
            throw ControlError.snapshotNotFound(id: id)
        }
        // The store's reminder feed tells the scheduler what the restore replaced.
        configuration.importedHolidays = Set(try store.holidays().map(\.date))
        materializeEvents(Set(try store.eventIDs()))
        delivery?.wake()
        let counts = try store.counts()
        logger.notice("state restored from \(p.snapshotId.map { "snapshot \($0)" } ?? "a backup"): \(counts.contacts) contact(s), \(counts.pendingReminders) pending reminder(s)")
        return Restore.Reply(contacts: counts.contacts, pendingReminders: counts.pendingReminders, snapshotId: snapshotID)
    }

    private func listSnapshots() -> ListSnapshots.Reply {
        ListSnapshots.Reply(snapshots: (snapshots?.list() ?? []).map(\.info), directory: snapshots?.directory,
                            keepDays: snapshots?.keepingDays ?? 0, timeZone: zoneName)
    }

    private func draft(_ p: Draft.Parameters) throws -> Draft.Reply {
        let outreach = try store.outreach(id: p.outreach)
        let contact = try store.contact(id: outreach.contactID)
        let configuration = currentConfiguration
        let signature = FollowUpDraft.Signature(name: configuration.userName ?? Self.accountFullName(), pitch: configuration.pitch)
        let mailTo = configuration.channels.mail?.to.first.flatMap { Self.bareAddress($0) }
        return Self.followUpDraft(outreach: outreach, contact: contact, language: configuration.language,
                                  templatesDirectory: templatesDirectory, signature: signature,
                                  fromAddress: configuration.userEmail ?? mailTo, zone: configuration.timeZone)
    }

    /// The polite follow-up to `outreach` (`Draft`), for both daemons: the template for its
    /// step and language found in `templatesDirectory` (the first of
    /// `FollowUpDraft.templateFileNames` there), else the built-in one, rendered with the
    /// contact, the outreach and `signature`; dates read in `zone`.
    static func followUpDraft(outreach: Outreach, contact: Contact, language: DraftLanguage, templatesDirectory: String?,
                              signature: FollowUpDraft.Signature, fromAddress: String?, zone: TimeZone) -> Draft.Reply {
        let step = FollowUpDraft.Step(outreach: outreach)
        var template = FollowUpDraft.builtIn(step, language)
        var source = "built-in"
        if let directory = templatesDirectory {
            for name in FollowUpDraft.templateFileNames(step, language) {
                let path = directory + "/" + name
                if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                    template = text
                    source = path
                    break
                }
            }
        }
        let (subject, body) = FollowUpDraft.render(template, contact: contact, outreach: outreach, signature: signature,
                                                   language: language, zone: zone)
        return Draft.Reply(subject: subject, body: body, template: source, step: step.rawValue, toName: contact.name,
                           toAddress: contact.emails.first, fromAddress: fromAddress,
                           fromName: signature.name, inReplyTo: outreach.messageID,
                           mailSubject: DraftMail.subject(draftSubject: subject, ask: outreach.ask, replying: outreach.messageID != nil))
    }

    /// "Sam <sam@example.com>" → "sam@example.com".
    static func bareAddress(_ text: String) -> String? {
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            return String(text[text.index(after: open)..<close])
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The account's full name from the password database (the GECOS field's first part),
    /// the signature when `[user] name` is not set (on a team node: the caller's account's);
    /// nil when it is empty.
    static func accountFullName(uid: uid_t = getuid()) -> String? {
        guard let entry = getpwuid(uid), let gecos = entry.pointee.pw_gecos else { return nil }
        let name = String(cString: gecos).split(separator: ",", omittingEmptySubsequences: false).first
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return name.isEmpty ? nil : name
    }
}

extension ISO8601DateFormatter {
    /// 20261203T090000Z, as iCalendar writes UTC (a new formatter each time: not Sendable).
    static var basic: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withYear, .withMonth, .withDay, .withTime, .withTimeZone]
        return formatter
    }
}
