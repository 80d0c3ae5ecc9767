import Foundation
import Testing
import VarlinkProtocol
import VarlinkTransport

/// The in-memory connection answers exactly as the socket server does.
@Suite struct VarlinkMemoryConnectionTests {

    static let errors = VarlinkServer.Errors(
        invalidMessage: { VarlinkError(name: "com.example.Echo.InvalidMessage", parameters: ["reason": .string($0)]) },
        messageTooLarge: { VarlinkError(name: "com.example.Echo.MessageTooLarge", parameters: ["limit": .number(Double($0))]) },
        invalidParameter: { parameter, _ in VarlinkError(name: "com.example.Echo.InvalidParameter", parameters: ["parameter": .string(parameter)]) },
        tooManyConnections: { VarlinkError(name: "com.example.Echo.TooManyConnections", parameters: ["limit": .number(Double($0))]) })

    func connection() -> VarlinkMemoryConnection { VarlinkMemoryConnection(service: EchoService(), errors: Self.errors) }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func aFrameSplitAcrossWritesIsAnsweredOnceComplete() async throws {
        let connection = connection()
        #expect(try await connection.send(Array(#"{"method":"com.example.Echo.Echo","#.utf8)).isEmpty)
        let reply = try await connection.send(Array(#""parameters":{"text":"hi"}}"#.utf8) + [0])
        #expect(text(reply) == #"{"parameters":{"text":"hi"}}"# + "\0")
    }

    @Test func theServiceInterfaceIsAnsweredByTheTransport() async throws {
        let replies = try await connection().call(VarlinkCall(method: "org.varlink.service.GetInfo"))
        #expect(replies.first?.parameters?["interfaces"] == .array([.string("org.varlink.service"), .string("com.example.Echo")]))
    }

    @Test func garbageGetsInvalidMessageAndTheConnectionStaysUsable() async throws {
        let connection = connection()
        let reply = try await connection.send(Array("garbage".utf8) + [0] + Array(#"{"method":"com.example.Echo.Echo"}"#.utf8) + [0])
        let frames = reply.split(separator: 0).map { text(Array($0)) }
        #expect(frames.count == 2)
        #expect(frames.first?.contains("com.example.Echo.InvalidMessage") == true)
        #expect(frames.last == #"{"parameters":{"text":null}}"#)
        #expect(!connection.isClosed)
    }

    @Test func anOversizedFrameGetsMessageTooLargeAndClosesTheConnection() async throws {
        let connection = connection()
        let reply = try await connection.send([UInt8](repeating: 0x20, count: VarlinkFraming.maximumMessageSize + 1))
        #expect(text(reply) == #"{"error":"com.example.Echo.MessageTooLarge","parameters":{"limit":1048576}}"# + "\0")
        #expect(connection.isClosed)
        #expect(try await connection.send(Array(#"{"method":"com.example.Echo.Echo"}"#.utf8) + [0]).isEmpty)
    }

    @Test func aOnewayCallGetsNoReply() async throws {
        let replies = try await connection().call(VarlinkCall(method: "com.example.Echo.Echo", oneway: true))
        #expect(replies.isEmpty)
    }
}
