import RelanceChannels
import Testing

@Suite("RecordingChannel: the in-memory twin")
struct RecordingChannelTests {
    @Test func recordsDeliveriesAndFailsAsToldThenRecovers() async throws {
        let channel = RecordingChannel(name: "desktop")
        channel.failNext(2)
        await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }
        await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }
        let receipt = try await channel.deliver(sampleNotification(inboxItemID: 5))
        #expect(receipt.detail.contains("5"))
        #expect(channel.attempts == 3)
        #expect(channel.deliveries.map(\.inboxItemID) == [5])
    }

    @Test func probeAnswersWhatTheTestSet() async {
        let channel = RecordingChannel()
        #expect(await channel.probe() == .available)
        channel.setHealth(.unavailable(reason: "no bus"))
        #expect(await channel.probe() == .unavailable(reason: "no bus"))
    }
}
