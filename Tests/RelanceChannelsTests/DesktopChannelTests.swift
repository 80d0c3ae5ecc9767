import Foundation
import NIOConcurrencyHelpers
import RelanceChannels
import Testing

/// A bus address a test can change while the channel lives.
final class AddressBox: Sendable {
    private let value: NIOLockedValueBox<String?>
    init(_ address: String?) { value = NIOLockedValueBox(address) }
    func set(_ address: String?) { value.withLockedValue { $0 = address } }
    var provider: @Sendable () -> String? { { self.value.withLockedValue { $0 } } }
}

/// DesktopChannel over sd-bus against a private dbus-daemon and a scripted notification
/// server (Tests/channels/notification_server.py), both started and stopped by each test.
@Suite("DesktopChannel: sd-bus to org.freedesktop.Notifications", .serialized)
struct DesktopChannelTests {
    @Test func notifyCarriesSummaryBodyActionsAndHints() async throws {
        let bus = try await PrivateSessionBus.start()
        defer { bus.stop() }
        let server = try await NotificationTestServer.start(bus: bus)
        defer { server.stop() }
        let channel = DesktopChannel(busAddress: { bus.address })
        let notification = sampleNotification()

        let receipt = try await channel.deliver(notification)

        let call = try await server.event("notify")
        #expect(receipt.detail == "\(call["id"] as! Int)")
        #expect(call["app_name"] as? String == "Relance")
        #expect(call["replaces_id"] as? Int == 0)
        #expect(call["app_icon"] as? String == "")
        #expect(call["summary"] as? String == "Suivi — Ada Lovelace")
        #expect(call["body"] as? String == notification.body)
        #expect(call["actions"] as? [String] == ["done", "Done", "snooze", "Snooze 1 day", "open", "Open"])
        let hints = try #require(call["hints"] as? [String: Any])
        #expect(hints["urgency"] as? Int == 1)
        #expect(hints["category"] as? String == "x-relance.follow_up")
        #expect(hints["desktop-entry"] as? String == "relance")
        #expect(call["expire_timeout"] as? Int == -1)
    }

    @Test func leaveNowIsCriticalAndNoButtonsWithoutTheActionsCapability() async throws {
        let bus = try await PrivateSessionBus.start()
        defer { bus.stop() }
        let server = try await NotificationTestServer.start(bus: bus, capabilities: ["body"])
        defer { server.stop() }
        let channel = DesktopChannel(busAddress: { bus.address })

        _ = try await channel.deliver(sampleNotification(kind: "meeting_leave", title: "Leave now for Ada"))

        let call = try await server.event("notify")
        #expect((call["hints"] as? [String: Any])?["urgency"] as? Int == 2)
        #expect((call["actions"] as? [String])?.isEmpty == true)
        #expect(try await channel.serverCapabilities() == ["body"])
    }

    @Test func redeliveryReplacesThePreviousPopup() async throws {
        let bus = try await PrivateSessionBus.start()
        defer { bus.stop() }
        let server = try await NotificationTestServer.start(bus: bus)
        defer { server.stop() }
        let channel = DesktopChannel(busAddress: { bus.address })

        let first = try await channel.notify(sampleNotification(inboxItemID: 1), replacing: nil)
        let other = try await channel.notify(sampleNotification(inboxItemID: 2), replacing: nil)
        _ = try await channel.deliver(sampleNotification(inboxItemID: 1))      // remembered id
        _ = try await channel.notify(sampleNotification(inboxItemID: 3), replacing: 77)  // id from before a restart

        #expect(first != other)
        #expect(try await server.event("notify", number: 0)["replaces_id"] as? Int == 0)
        #expect(try await server.event("notify", number: 1)["replaces_id"] as? Int == 0)
        #expect(try await server.event("notify", number: 2)["replaces_id"] as? Int == Int(first))
        #expect(try await server.event("notify", number: 3)["replaces_id"] as? Int == 77)
    }

    @Test func actionInvokedReachesOnActionWithinOneSecond() async throws {
        let bus = try await PrivateSessionBus.start()
        defer { bus.stop() }
        let server = try await NotificationTestServer.start(bus: bus)
        defer { server.stop() }
        let (actions, actionSink) = AsyncStream.makeStream(of: (UInt32, String).self)
        let (closes, closeSink) = AsyncStream.makeStream(of: (UInt32, DesktopChannel.CloseReason).self)
        let channel = DesktopChannel(busAddress: { bus.address },
                                     onAction: { actionSink.yield(($0, $1)) },
                                     onClosed: { closeSink.yield(($0, $1)) })
        let id = try await channel.notify(sampleNotification(), replacing: nil)

        server.invokeAction(id: id, key: "done")
        let action = try await withTimeout(1) { await actions.first { _ in true } }

        #expect(action?.0 == id)
        #expect(action?.1 == "done")

        server.close(id: id, reason: 2)
        let closed = try await withTimeout(1) { await closes.first { _ in true } }
        #expect(closed?.0 == id)
        #expect(closed?.1 == .dismissed)
    }

    @Test func withdrawClosesThePopupAndReportsWhy() async throws {
        let bus = try await PrivateSessionBus.start()
        defer { bus.stop() }
        let server = try await NotificationTestServer.start(bus: bus)
        defer { server.stop() }
        let (closes, closeSink) = AsyncStream.makeStream(of: (UInt32, DesktopChannel.CloseReason).self)
        let channel = DesktopChannel(busAddress: { bus.address }, onClosed: { closeSink.yield(($0, $1)) })
        let id = try await channel.notify(sampleNotification(), replacing: nil)

        try await channel.withdraw(notificationID: id)

        #expect(try await server.event("close_requested")["id"] as? Int == Int(id))
        let closed = try await withTimeout(1) { await closes.first { _ in true } }
        #expect(closed?.0 == id)
        #expect(closed?.1 == .closedByCall)
    }

    @Test func signalsForPopupsWeDidNotShowAreIgnored() async throws {
        let bus = try await PrivateSessionBus.start()
        defer { bus.stop() }
        let server = try await NotificationTestServer.start(bus: bus)
        defer { server.stop() }
        let (actions, actionSink) = AsyncStream.makeStream(of: (UInt32, String).self)
        let channel = DesktopChannel(busAddress: { bus.address }, onAction: { actionSink.yield(($0, $1)) })
        let id = try await channel.notify(sampleNotification(), replacing: nil)

        server.invokeAction(id: 999, key: "done")  // broadcast: nobody asked for 999
        server.invokeAction(id: id, key: "snooze")
        let action = try await withTimeout(1) { await actions.first { _ in true } }

        #expect(action?.0 == id)
        #expect(action?.1 == "snooze")
    }

    @Test func withoutABusProbeSaysWhyDeliverThrowsAndItRecoversOnceTheBusIsThere() async throws {
        let address = AddressBox("unix:path=/nonexistent/relance-test/bus")
        let channel = DesktopChannel(busAddress: address.provider)

        guard case .unavailable(let reason) = await channel.probe() else {
            Issue.record("probe said available without a bus")
            return
        }
        #expect(reason.contains("no session bus"))
        #expect(reason.contains("/nonexistent/relance-test/bus"))
        let error = await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }
        #expect(error?.code == .unavailable)

        let bus = try await PrivateSessionBus.start()
        defer { bus.stop() }
        address.set(bus.address)
        // A bus, but no notification server on it yet.
        guard case .unavailable(let noServer) = await channel.probe() else {
            Issue.record("probe said available without a notification server")
            return
        }
        #expect(noServer.contains("no notification server"))

        let server = try await NotificationTestServer.start(bus: bus)
        defer { server.stop() }
        #expect(await channel.probe() == .available)
        _ = try await channel.deliver(sampleNotification())
        #expect(try await server.event("notify")["summary"] as? String == "Suivi — Ada Lovelace")
    }

    @Test func busThatDiesIsReportedAndANewOneIsUsed() async throws {
        let firstBus = try await PrivateSessionBus.start()
        let firstServer = try await NotificationTestServer.start(bus: firstBus)
        let address = AddressBox(firstBus.address)
        let (actions, actionSink) = AsyncStream.makeStream(of: (UInt32, String).self)
        let channel = DesktopChannel(busAddress: address.provider, onAction: { actionSink.yield(($0, $1)) })
        _ = try await channel.deliver(sampleNotification())

        firstServer.stop()
        firstBus.stop()
        #expect(await channel.probe() != .available)
        await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }

        let secondBus = try await PrivateSessionBus.start()
        defer { secondBus.stop() }
        let secondServer = try await NotificationTestServer.start(bus: secondBus)
        defer { secondServer.stop() }
        address.set(secondBus.address)
        let id = try await channel.notify(sampleNotification(inboxItemID: 43), replacing: nil)
        #expect(try await secondServer.event("notify")["summary"] as? String == "Suivi — Ada Lovelace")
        // Signals reach us on the new connection too.
        secondServer.invokeAction(id: id, key: "open")
        let action = try await withTimeout(1) { await actions.first { _ in true } }
        #expect(action?.1 == "open")
    }
}
