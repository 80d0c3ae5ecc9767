import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// The daemon itself: status, reload, the inbox stream, channel tests, backup and
// restore, and drafted follow-up messages.

extension ControlService {
    /// Registers Status, Reload, Watch, TestNotify, Backup, Restore, ListSnapshots and Draft.
    static func registerServiceHandlers(_ handlers: inout ControlHandlers<ControlService>) {
        handlers.register(Status.self, readOnly: true) { service, _ in try service.status() }
        handlers.register(Reload.self, readOnly: true) { service, _ in try service.reload() }
        handlers.registerStreaming(Watch.self, readOnly: true) { service, call, replies in
            try await service.watch(call, replies: replies)
        }
        handlers.register(TestNotify.self, readOnly: true) { service, p in try await service.testNotify(p) }
        handlers.register(Backup.self, readOnly: true) { service, _ in try service.backup() }
        handlers.register(Restore.self, readOnly: false) { service, p in try service.restore(p) }
        handlers.register(ListSnapshots.self, readOnly: true) { service, _ in service.listSnapshots() }
        handlers.register(Draft.self, readOnly: true) { service, p in try service.draft(p) }
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
                            channels: (delivery?.health ?? []).map { ChannelInfo(name: $0.name, health: $0.health) })
    }

    private func reload() throws -> Empty {
        do {
            try reloadHandler()
        } catch let error as ConfigurationError {
            throw ControlError.configurationInvalid(reason: error.description)
        }
        return Empty()
    }

    private func watch(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        guard call.more == true else { throw VarlinkError.expectedMore(call.method) }
        let (after, items) = broadcaster.subscribe()
        var delivered = after
        for await published in items {
            // A gap: this watcher fell more than the broadcaster's buffer behind and the
            // oldest items were dropped. Say so and end, rather than skip them silently;
            // everything fired since the last item delivered is lost to this call.
            guard published.sequence == delivered + 1 else {
                throw ControlError.watchOverflow(lost: broadcaster.lastSequence - delivered)
            }
            try await replies.send(InboxItemReply(item: published.item.info), continues: true)
            delivered = published.sequence
        }
    }

    private func testNotify(_ p: TestNotify.Parameters) async throws -> TestNotify.Reply {
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
        materializeEvents(Set(try store.eventIDs()))
        delivery?.wake()
        let counts = try store.counts()
        logger.notice("state restored from \(p.snapshotId.map { "snapshot \($0)" } ?? "a backup"): \(counts.contacts) contact(s), \(counts.pendingReminders) pending reminder(s)")
        return Restore.Reply(contacts: counts.contacts, pendingReminders: counts.pendingReminders, snapshotId: snapshotID)
    }

    private func listSnapshots() -> ListSnapshots.Reply {
        ListSnapshots.Reply(snapshots: (snapshots?.list() ?? []).map(\.info), directory: snapshots?.directory,
                            keepDays: snapshots?.keepingDays ?? 0)
    }

    private func draft(_ p: Draft.Parameters) throws -> Draft.Reply {
        let outreach = try store.outreach(id: p.outreach)
        let contact = try store.contact(id: outreach.contactID)
        let configuration = currentConfiguration
        let step = FollowUpDraft.Step(outreach: outreach)
        var template = FollowUpDraft.builtIn(step, configuration.language)
        var source = "built-in"
        if let directory = templatesDirectory {
            for name in FollowUpDraft.templateFileNames(step, configuration.language) {
                let path = directory + "/" + name
                if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                    template = text
                    source = path
                    break
                }
            }
        }
        let signature = FollowUpDraft.Signature(name: configuration.userName ?? Self.accountFullName(), pitch: configuration.pitch)
        let (subject, body) = FollowUpDraft.render(template, contact: contact, outreach: outreach, signature: signature,
                                                   language: configuration.language, zone: configuration.timeZone)
        let mailTo = configuration.channels.mail?.to.first.flatMap { Self.bareAddress($0) }
        return Draft.Reply(subject: subject, body: body, template: source, step: step.rawValue, toName: contact.name,
                           toAddress: contact.emails.first, fromAddress: configuration.userEmail ?? mailTo,
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
    /// the signature when `[user] name` is not set; nil when it is empty.
    static func accountFullName() -> String? {
        guard let entry = getpwuid(getuid()), let gecos = entry.pointee.pw_gecos else { return nil }
        let name = String(cString: gecos).split(separator: ",", omittingEmptySubsequences: false).first
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return name.isEmpty ? nil : name
    }
}
