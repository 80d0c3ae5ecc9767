import NIOCore
import NIOEmbedded
import Testing
import VarlinkProtocol
@testable import VarlinkTransport

@Suite struct VarlinkFrameDecoderTests {
    func channel(limit: Int = 16) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(VarlinkFrameDecoder(maximumMessageSize: limit)))
        return channel
    }

    func frames(_ channel: EmbeddedChannel) throws -> [VarlinkFrame] {
        var result: [VarlinkFrame] = []
        while let frame = try channel.readInbound(as: VarlinkFrame.self) { result.append(frame) }
        return result
    }

    @Test func splitsAtNULBytesAcrossReads() throws {
        let channel = try channel()
        defer { _ = try? channel.finish() }  // breaks the channel ↔ pipeline cycle
        try channel.writeInbound(ByteBuffer(string: "{\"a\""))
        #expect(try frames(channel).isEmpty)
        try channel.writeInbound(ByteBuffer(bytes: Array(":1}".utf8) + [0] + Array("{}".utf8) + [0, 0x7B]))
        #expect(try frames(channel) == [.message(ByteBuffer(string: "{\"a\":1}")), .message(ByteBuffer(string: "{}"))])
    }

    @Test func anOversizedFrameIsReportedOnceThenDiscarded() throws {
        let channel = try channel(limit: 8)
        defer { _ = try? channel.finish() }  // breaks the channel ↔ pipeline cycle
        try channel.writeInbound(ByteBuffer(string: String(repeating: "x", count: 9)))
        #expect(try frames(channel) == [.oversized])
        try channel.writeInbound(ByteBuffer(bytes: Array("{}".utf8) + [0]))
        #expect(try frames(channel).isEmpty)
    }

    @Test func aFrameAtTheLimitPasses() throws {
        let channel = try channel(limit: 8)
        defer { _ = try? channel.finish() }  // breaks the channel ↔ pipeline cycle
        try channel.writeInbound(ByteBuffer(bytes: Array("12345678".utf8) + [0]))
        #expect(try frames(channel) == [.message(ByteBuffer(string: "12345678"))])
    }
}

@Suite struct VarlinkFramingTests {
    @Test func encodesARequestWithATerminatingNUL() throws {
        let bytes = try VarlinkFraming.encode(VarlinkCall(method: "io.relance.Control.Status", parameters: [:]))
        #expect(String(decoding: bytes, as: UTF8.self) == "{\"method\":\"io.relance.Control.Status\",\"parameters\":{}}\0")
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        ("[1,2]", "should be"),
        ("{\"parameters\":{}}", "missing 'method'"),
        ("{\"method\":42}", "'method' should be a string"),
        ("{\"method\":\"\"}", "'method' is empty"),
    ])
    func malformedCallsSayWhy(_ text: String, _ reasonPart: String) {
        #expect {
            _ = try VarlinkFraming.decodeCall(Array(text.utf8))
        } throws: { error in
            guard case .malformed(let reason) = error as? VarlinkFraming.DecodeError else { return false }
            return reason.contains(reasonPart) || reasonPart == "not valid JSON"
        }
    }

    @Test func splitsQualifiedMethodNames() {
        let call = VarlinkCall(method: "io.relance.Control.AddContact")
        #expect(call.interface == "io.relance.Control")
        #expect(call.memberName == "AddContact")
    }
}
