import Foundation
import RelanceChannels
import RelanceCore
import RelanceTestKit
import Testing

@Suite("MailChannel: from notification to mail")
struct MailChannelTests {
    let from = try! MailAddress(parsing: "Relance <relance@host.example>")
    let me = try! MailAddress(parsing: "me@example.com")

    @Test func theMailCarriesTitleBodyAndStableKeys() async throws {
        let transport = RecordingMailTransport()
        let channel = try MailChannel(transport: transport, from: from, to: [me], hostname: "host.example")

        let receipt = try await channel.deliver(sampleNotification())

        let mail = try #require(transport.sent.first)
        #expect(receipt.detail == "<relance.inbox-42.mail@host.example>")
        #expect(mail.subject == "Suivi — Ada Lovelace")
        #expect(mail.messageID == "relance.inbox-42.mail@host.example")
        #expect(mail.date == instant("2026-11-12T09:00:02Z"))  // when it fired
        #expect(mail.body.hasPrefix(sampleNotification().body + "\n\n-- \n"))
        #expect(mail.body.hasSuffix("-- \nA Relance follow-up reminder, due Thu 12 Nov 09:00 (Etc/UTC).\n"))
        #expect(!mail.body.contains("late"))
    }

    @Test func aNotificationForSomeoneIsMailedToThemInsteadOfTheConfiguredRecipients() async throws {
        // A team user's own reminder (issue #16): their address replaces [mail] to.
        let transport = RecordingMailTransport()
        let channel = try MailChannel(transport: transport, from: from, to: [me], hostname: "host.example")
        var notification = sampleNotification()
        notification.recipient = "Lea Martin <lea@example.org>"
        _ = try await channel.deliver(notification)
        _ = try await channel.deliver(sampleNotification())
        #expect(transport.sent.map(\.recipients) == [["lea@example.org"], ["me@example.com"]])
        #expect(transport.sent.first?.to.map(\.description) == ["Lea Martin <lea@example.org>"])
        // A recipient that is no address fails the delivery (retried, never sent elsewhere).
        notification.recipient = "lea at example.org"
        await #expect(throws: ChannelError.self) { try await channel.deliver(notification) }
        #expect(transport.sent.count == 2)
    }

    @Test func timesAndTheDateHeaderAreInTheUsersZone() throws {
        let channel = try MailChannel(transport: RecordingMailTransport(), from: from, to: [me], hostname: "host.example")
        var notification = sampleNotification()
        notification.timeZone = TimeZone(identifier: "Europe/Paris")!
        notification.firedAt = notification.dueAt.addingTimeInterval(3 * 3600)
        let message = try channel.message(for: notification)
        #expect(message.body.hasSuffix("""
            -- \nA Relance follow-up reminder, due Thu 12 Nov 10:00 (Europe/Paris).
            Sent late, at Thu 12 Nov 13:00: Relance was not running when it came due.\n
            """))
        let parsed = ParsedMail(message.rendered())
        #expect(parsed.fields.first { $0.name == "Date" }?.value == "Thu, 12 Nov 2026 13:00:00 +0100")
    }

    @Test func theTestMailNamesNoInternalKindOrItem() throws {
        let channel = try MailChannel(transport: RecordingMailTransport(), from: from, to: [me], hostname: "host.example")
        let body = try channel.message(for: sampleNotification(inboxItemID: 0, kind: "test")).body
        #expect(body.hasSuffix("-- \nA Relance test notification, sent Thu 12 Nov 09:00 (Etc/UTC).\n"))
        #expect(!body.contains("item 0"))
    }

    @Test(arguments: ReminderNotification.knownKinds)
    func noFooterNamesAnInternalKind(_ kind: String) throws {
        let channel = try MailChannel(transport: RecordingMailTransport(), from: from, to: [me], hostname: "host.example")
        let body = try channel.message(for: sampleNotification(kind: kind)).body
        #expect(!body.contains("_"))
    }

    @Test func aRetryIsTheSameMailByteForByte() async throws {
        let transport = RecordingMailTransport()
        let channel = try MailChannel(transport: transport, from: from, to: [me], hostname: "host.example")
        transport.failNext(1)

        await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }
        _ = try await channel.deliver(sampleNotification())
        _ = try await channel.deliver(sampleNotification())

        #expect(transport.sent.count == 2)
        #expect(transport.sent[0].rendered() == transport.sent[1].rendered())
    }

    @Test func aLateReminderSaysSo() throws {
        let channel = try MailChannel(transport: RecordingMailTransport(), from: from, to: [me], hostname: "host.example")
        var late = sampleNotification()
        late.firedAt = late.dueAt.addingTimeInterval(3 * 3600)
        #expect(try channel.message(for: late).body.contains("Sent late"))
    }

    @Test func aBadHostNameIsRefusedAtConstruction() {
        #expect(throws: ChannelError.self) {
            try MailChannel(transport: RecordingMailTransport(), from: from, to: [me], hostname: "my laptop")
        }
        #expect(throws: ChannelError.self) {
            try MailChannel(transport: RecordingMailTransport(), from: from, to: [], hostname: "host.example")
        }
    }

    @Test func aNotificationIsBuiltFromAnInboxItem() {
        let item = InboxItem(id: 5, reminderID: 9, kind: .followUp, text: "Follow up with Ada", dueAt: instant("2026-11-12T09:00:00Z"),
                             firedAt: instant("2026-11-12T09:00:01Z"), late: false)
        let notification = ReminderNotification(inboxItem: item)
        #expect(notification.inboxItemID == 5)
        #expect(notification.reminderID == 9)
        #expect(notification.kind == "follow_up")
        #expect(notification.title == "Follow up with Ada")
        #expect(notification.body == "Follow up with Ada")
    }
}

@Suite("MailChannel: globally unique Message-IDs")
struct MailChannelMessageIDTests {
    @Test func theDeliveryKeyMakesTheMessageIDAndAComebackRefersToTheFirst() throws {
        let channel = try MailChannel(transport: RecordingMailTransport(), from: try MailAddress(parsing: "relance@host.example"),
                                      to: [try MailAddress(parsing: "me@example.com")], hostname: "host.example")
        var notification = ReminderNotification(inboxItemID: 42, reminderID: 7, kind: "custom", title: "Call", body: "Call",
                                                dueAt: Date(timeIntervalSince1970: 0), firedAt: Date(timeIntervalSince1970: 0),
                                                deliveryKey: "0123456789abcdef.inbox-42")
        let first = try channel.message(for: notification)
        #expect(first.messageID == "relance.0123456789abcdef.inbox-42.mail@host.example")
        #expect(!String(decoding: first.rendered(), as: UTF8.self).contains("References"))

        notification.deliveryKey = "0123456789abcdef.inbox-42.r-57"
        notification.firstDeliveryKey = "0123456789abcdef.inbox-42"
        let again = try channel.message(for: notification)
        #expect(again.messageID == "relance.0123456789abcdef.inbox-42.r-57.mail@host.example")
        let text = String(decoding: again.rendered(), as: UTF8.self)
        #expect(text.contains("\r\nMessage-ID: <relance.0123456789abcdef.inbox-42.r-57.mail@host.example>\r\n"
            + "References: <relance.0123456789abcdef.inbox-42.mail@host.example>\r\n"))
    }
}
