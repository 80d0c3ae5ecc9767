import Foundation
import NIOConcurrencyHelpers
import VarlinkProtocol

/// What a Varlink server serves: its identity for `GetInfo`, its interfaces, and the
/// handler for their methods. `org.varlink.service` is answered by the server itself.
public protocol VarlinkService: Sendable {
    /// `GetInfo`'s vendor, product, version and URL.
    var info: VarlinkServiceInfo { get }
    /// The interfaces served, besides `org.varlink.service`.
    var interfaces: [VarlinkInterfaceDescription] { get }
    /// Answers one call to a method declared in `interfaces`: send each reply through
    /// `replies`; throw a `VarlinkError` to answer with that error.
    func handle(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws
    /// The methods whose parameters are decoded straight into their Codable type with
    /// the frame (`VarlinkCall.typedParameters`); the others arrive as a JSON tree.
    var parameterTypes: VarlinkParameterTypes { get }
}

extension VarlinkService {
    /// None: every call's parameters arrive as a JSON tree.
    public var parameterTypes: VarlinkParameterTypes { VarlinkParameterTypes(entries: [:]) }
}

/// The answer to `org.varlink.service.GetInfo`.
public struct VarlinkServiceInfo: Sendable, Equatable {
    public var vendor: String
    public var product: String
    public var version: String
    public var url: String
    public init(vendor: String, product: String, version: String, url: String) {
        self.vendor = vendor; self.product = product; self.version = version; self.url = url
    }
}

/// Sends replies to one call, honouring `oneway` (nothing is sent) and tracking whether
/// the call is streaming (`continues: true` sent).
public final class VarlinkReplyWriter: Sendable {
    private let write: @Sendable (Data) async throws -> Void
    private let oneway: Bool
    private let streaming: NIOLockedValueBox<Bool>

    /// - Parameter write: sends one encoded reply, NUL terminator included, to the peer
    ///   (a socket in the server, a buffer in `VarlinkMemoryConnection`).
    public init(oneway: Bool, write: @escaping @Sendable (Data) async throws -> Void) {
        self.write = write
        self.oneway = oneway
        self.streaming = NIOLockedValueBox(false)
    }

    /// True once a `continues: true` reply went out: the call waits on future events.
    public var isStreaming: Bool { streaming.withLockedValue { $0 } }

    /// Sends one reply.
    public func send(_ reply: VarlinkReply) async throws {
        if reply.continues == true { streaming.withLockedValue { $0 = true } }
        guard !oneway else { return }
        try await write(VarlinkFraming.encode(reply))
    }

    /// Sends a typed reply's fields as the parameters, encoded once, straight to bytes
    /// (the same bytes as through `VarlinkReply`: keys sorted, instants as ISO 8601).
    public func send<T: Encodable>(_ parameters: T, continues: Bool = false) async throws {
        if continues { streaming.withLockedValue { $0 = true } }
        guard !oneway else { return }
        try await write(VarlinkFraming.encode(TypedReply(parameters: parameters, continues: continues ? true : nil)))
    }

    /// Sends a reply whose parameters write their own JSON (`JSONBytesEncodable`): the
    /// same bytes as the `Encodable` overload, without `JSONEncoder` (issue #15).
    public func send<T: JSONBytesEncodable>(_ parameters: T, continues: Bool = false) async throws {
        if continues { streaming.withLockedValue { $0 = true } }
        guard !oneway else { return }
        try await write(Data(Self.frame(parameters, continues: continues)))
    }

    /// `{"continues":true,"parameters":{…}}` or `{"parameters":{…}}`, then the NUL.
    static func frame<T: JSONBytesEncodable>(_ parameters: T, continues: Bool) -> [UInt8] {
        var json = JSONBytes()
        json.beginObject()
        if continues { json.member("continues", true) }
        json.member("parameters", parameters)
        json.endObject()
        var bytes = json.bytes
        bytes.append(0)
        return bytes
    }

    /// Sends several `continues: true` replies of a streaming call in one write (a burst
    /// of events costs one hop to the socket, not one per event).
    public func sendContinuing<T: Encodable>(_ batch: [T]) async throws {
        guard !batch.isEmpty else { return }
        streaming.withLockedValue { $0 = true }
        guard !oneway else { return }
        var bytes = Data()
        for parameters in batch { bytes += try VarlinkFraming.encode(TypedReply(parameters: parameters, continues: true)) }
        try await write(bytes)
    }

    /// The same for replies that write their own JSON: the same bytes, without
    /// `JSONEncoder` (a burst of fired items to a `Watch` client; issue #15).
    public func sendContinuing<T: JSONBytesEncodable>(_ batch: [T]) async throws {
        guard !batch.isEmpty else { return }
        streaming.withLockedValue { $0 = true }
        guard !oneway else { return }
        try await write(Data(batch.flatMap { Self.frame($0, continues: true) }))
    }
}

/// A reply whose parameters are a Codable value rather than a `JSONValue` tree.
private struct TypedReply<Parameters: Encodable>: Encodable {
    let parameters: Parameters
    let continues: Bool?

    enum CodingKeys: String, CodingKey { case continues, parameters }

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(continues, forKey: .continues)
        try container.encode(parameters, forKey: .parameters)
    }
}
