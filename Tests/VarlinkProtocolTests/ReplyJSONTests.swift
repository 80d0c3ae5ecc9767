import Foundation
import RelanceAPI
import RelanceTestKit
import Testing
import VarlinkProtocol
import VarlinkTransport

/// The replies that write their own JSON (`JSONBytesEncodable`, issue #15) write the same
/// bytes as Foundation's `JSONEncoder` configured as `JSONCoding.encoder`, over many varied
/// values: texts with every control character, quotes, backslashes, slashes, non-ASCII and
/// emoji; absent and present optionals; instants before 1970, with odd milliseconds, far
/// ahead.
@Suite struct ReplyJSONTests {
    static let pieces: [String] = [
        "", "a", "Appeler Zoé", "\"", "\\", "/", "</script>", "\u{0}", "\u{7}", "\u{8}", "\t", "\n", "\u{b}", "\u{c}",
        "\r", "\u{1a}", "\u{1f}", " ", "\u{7f}", "\u{80}", "\u{a0}", "\u{2028}", "\u{2029}", "\u{fffe}", "😀", "👩‍👩‍👧",
        "日本語", "e\u{301}", "\\u0041", "{\"a\":1}", "1e5", "null", "—",
    ]

    static func text(_ random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func optionalID(_ random: inout SeededGenerator) -> Int64? {
        [nil, 0, 1, -1, Int64.max, Int64.min, Int64.random(in: 1...1_000_000, using: &random)].randomElement(using: &random)!
    }

    static func instant(_ random: inout SeededGenerator) -> Date {
        [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -86_400.0005),
         Date(timeIntervalSince1970: 1_796_000_000.002), Date(timeIntervalSince1970: 253_402_300_799.999),
         Date(timeIntervalSince1970: Double.random(in: -1e9...4e9, using: &random))].randomElement(using: &random)!
    }

    static func reminder(_ random: inout SeededGenerator) -> ReminderInfo {
        ReminderInfo(id: optionalID(&random) ?? 7, kind: ["custom", "follow_up", text(&random)].randomElement(using: &random)!,
                     text: text(&random), contactId: optionalID(&random), outreachId: optionalID(&random),
                     dueAt: instant(&random), fireAt: instant(&random), reason: text(&random),
                     state: ["pending", text(&random)].randomElement(using: &random)!)
    }

    static func optionalInstant(_ random: inout SeededGenerator) -> Date? {
        Bool.random(using: &random) ? instant(&random) : nil
    }

    static func inboxItem(_ random: inout SeededGenerator) -> InboxItemReply {
        let deliveries = (0..<Int.random(in: 0...3, using: &random)).map { _ in
            DeliveryInfo(channel: ["desktop", "mail", text(&random)].randomElement(using: &random)!,
                         state: ["pending", "sent", text(&random)].randomElement(using: &random)!,
                         attempts: [0, 1, 7, Int.max, Int.min].randomElement(using: &random)!,
                         lastAttemptAt: optionalInstant(&random), sentAt: optionalInstant(&random),
                         lastError: Bool.random(using: &random) ? text(&random) : nil, digest: Bool.random(using: &random))
        }
        let item = InboxItemInfo(id: optionalID(&random) ?? 3, reminderId: optionalID(&random) ?? 4,
                                 kind: ["follow_up", text(&random)].randomElement(using: &random)!, text: text(&random),
                                 contactId: optionalID(&random), outreachId: optionalID(&random), dueAt: instant(&random),
                                 firedAt: instant(&random), late: Bool.random(using: &random),
                                 state: ["unread", "snoozed", text(&random)].randomElement(using: &random)!,
                                 snoozedUntil: optionalInstant(&random), deliveries: deliveries)
        return InboxItemReply(item: item, timeZone: ["Europe/Paris", text(&random)].randomElement(using: &random)!)
    }

    func expectSameBytes<T: JSONBytesEncodable>(_ value: T) throws {
        let foundation = try JSONCoding.encoder.encode(value)
        #expect(value.jsonBytes == Array(foundation), "\(String(decoding: foundation, as: UTF8.self))")
    }

    @Test func everyReplyWritesFoundationsBytes() throws {
        var random = SeededGenerator(seed: 15)
        for _ in 0..<3_000 {
            let reminder = Self.reminder(&random)
            try expectSameBytes(reminder)
            try expectSameBytes(Remind.Reply(reminder: reminder, timeZone: Self.text(&random)))
            try expectSameBytes(CancelReminder.Reply(reminder: reminder, summary: Self.text(&random)))
            try expectSameBytes(MoveReminder.Reply(reminder: reminder, summary: Self.text(&random)))
            let inboxItem = Self.inboxItem(&random)
            try expectSameBytes(inboxItem)
            for delivery in inboxItem.item.deliveries { try expectSameBytes(delivery) }
        }
    }

    @Test func everyControlCharacterAndEveryScalarBelow0x800() throws {
        let all = String(String.UnicodeScalarView((0..<0x800).compactMap(Unicode.Scalar.init)))
        var random = SeededGenerator(seed: 1)
        var reminder = Self.reminder(&random)
        reminder.text = all
        try expectSameBytes(reminder)
    }

    /// The frame on the socket: the same bytes through the writer's two overloads,
    /// `continues` or not.
    @Test func theFrameIsTheEncodablePathsFrame() async throws {
        var random = SeededGenerator(seed: 2)
        for continues in [false, true] {
            for _ in 0..<200 {
                let reply = Remind.Reply(reminder: Self.reminder(&random), timeZone: "Europe/Paris")
                let fast = Frames(), slow = Frames()
                try await VarlinkReplyWriter(oneway: false, write: fast.append).send(reply, continues: continues)
                try await Self.sendEncodable(VarlinkReplyWriter(oneway: false, write: slow.append), reply, continues: continues)
                #expect(fast.all == slow.all && !fast.all.isEmpty)
            }
        }
    }

    /// A `Watch` batch: the same one write through both `sendContinuing` overloads.
    @Test func aBatchOfItemsIsTheEncodablePathsBatch() async throws {
        var random = SeededGenerator(seed: 3)
        for count in [1, 2, 5, 40] {
            let batch = (0..<count).map { _ in Self.inboxItem(&random) }
            let fast = Frames(), slow = Frames()
            try await VarlinkReplyWriter(oneway: false, write: fast.append).sendContinuing(batch)
            try await Self.sendContinuingEncodable(VarlinkReplyWriter(oneway: false, write: slow.append), batch)
            #expect(fast.all == slow.all && fast.all.count == 1)
        }
    }

    /// Resolved for `Encodable` only: the `JSONEncoder` path.
    static func sendEncodable<T: Encodable>(_ writer: VarlinkReplyWriter, _ value: T, continues: Bool) async throws {
        try await writer.send(value, continues: continues)
    }

    static func sendContinuingEncodable<T: Encodable>(_ writer: VarlinkReplyWriter, _ batch: [T]) async throws {
        try await writer.sendContinuing(batch)
    }

    final class Frames: @unchecked Sendable {  // one test task at a time
        var all: [Data] = []
        func append(_ data: Data) async throws { all.append(data) }
    }
}
