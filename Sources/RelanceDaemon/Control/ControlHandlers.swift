import Foundation
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

/// The handlers of `io.relance.Control`, one per method, registered by method type.
///
/// Registration says whether the method only reads, so the service knows when to run
/// its after-change hook without a hand-kept list. Parameters are checked against the
/// method's declared inputs in the IDL before they are decoded: a misspelt field is an
/// `InvalidParameter`, not silently dropped.
struct ControlHandlers<Context: Sendable>: Sendable {
    /// One registered method.
    struct Handler: Sendable {
        /// True when the method never changes the store.
        let readOnly: Bool
        /// Decodes the call, runs the handler, and sends its replies.
        let run: @Sendable (Context, VarlinkCall, VarlinkReplyWriter) async throws -> Void
        /// The parameters' type, read with the frame (nil: they arrive as a tree).
        var parametersType: (any (Decodable & Sendable).Type)? = nil
    }

    /// The interface the methods belong to: its declared inputs are the known parameters.
    let interface: VarlinkInterfaceDescription
    private var handlers: [String: Handler] = [:]

    init(interface: VarlinkInterfaceDescription) {
        self.interface = interface
    }

    /// The member names with a handler.
    var methodNames: Set<String> { Set(handlers.keys) }

    /// The handler for a member name ("AddContact").
    subscript(memberName: String) -> Handler? { handlers[memberName] }

    /// The methods whose parameters the transport decodes with the frame, straight into
    /// their type, when every name given is declared in the IDL (the rest, and any call
    /// that fails to decode that way, go through `decode`, which says what is wrong).
    var parameterTypes: VarlinkParameterTypes {
        var entries: [String: VarlinkParameterTypes.Entry] = [:]
        for (name, handler) in handlers {
            guard let type = handler.parametersType else { continue }
            entries[interface.name + "." + name] = .init(type: type, declared: Set(interface.inputs[name] ?? []))
        }
        return VarlinkParameterTypes(entries: entries)
    }

    /// Registers a method answered by one reply, computed synchronously (a store
    /// transaction): it runs off the cooperative pool. Registering a method twice traps.
    mutating func register<M: ControlMethod>(
        _ method: M.Type, readOnly: Bool,
        _ handler: @escaping @Sendable (Context, M.Parameters) throws -> M.Reply
    ) {
        let interface = interface
        add(M.name, Handler(readOnly: readOnly, run: { context, call, replies in
            let parameters: M.Parameters = try Self.decode(call, as: M.self, interface: interface)
            try await replies.send(try await OffPool.run { try handler(context, parameters) })
        }, parametersType: M.Parameters.self))
    }

    /// Registers a method answered by one short store transaction that writes once (a
    /// reminder set, an inbox item closed): it runs right on the connection's event loop,
    /// sparing the two thread switches of a hop to a store thread and back (issue #15),
    /// unless another write holds the writer (an import, a burst of firings); then it
    /// goes to a store thread like every other method, so the loop never waits.
    mutating func registerShort<M: ControlMethod>(
        _ method: M.Type,
        _ handler: @escaping @Sendable (Context, M.Parameters) throws -> M.Reply
    ) {
        addShort(method, handler) { replies, reply in try await replies.send(reply) }
    }

    /// `registerShort` for a reply that writes its own JSON (`JSONBytesEncodable`): the
    /// same bytes, without `JSONEncoder` (issue #15).
    mutating func registerShort<M: ControlMethod>(
        _ method: M.Type,
        _ handler: @escaping @Sendable (Context, M.Parameters) throws -> M.Reply
    ) where M.Reply: JSONBytesEncodable {
        addShort(method, handler) { replies, reply in try await replies.send(reply) }
    }

    private mutating func addShort<M: ControlMethod>(
        _ method: M.Type,
        _ handler: @escaping @Sendable (Context, M.Parameters) throws -> M.Reply,
        send: @escaping @Sendable (VarlinkReplyWriter, M.Reply) async throws -> Void
    ) {
        let interface = interface
        add(M.name, Handler(readOnly: false, run: { context, call, replies in
            let parameters: M.Parameters = try Self.decode(call, as: M.self, interface: interface)
            let reply: M.Reply
            do {
                reply = try AppDatabase.withoutWaiting { try handler(context, parameters) }
            } catch is AppDatabase.WriterBusy {
                reply = try await OffPool.run { try handler(context, parameters) }
            }
            try await send(replies, reply)
        }, parametersType: M.Parameters.self))
    }

    /// Registers a method whose handler awaits (a channel test). Registering a method
    /// twice traps.
    mutating func register<M: ControlMethod>(
        _ method: M.Type, readOnly: Bool,
        _ handler: @escaping @Sendable (Context, M.Parameters) async throws -> M.Reply
    ) {
        let interface = interface
        add(M.name, Handler(readOnly: readOnly, run: { context, call, replies in
            let parameters: M.Parameters = try Self.decode(call, as: M.self, interface: interface)
            try await replies.send(try await handler(context, parameters))
        }, parametersType: M.Parameters.self))
    }

    /// Registers a method that answers through the writer itself (`Watch` streams with
    /// `continues: true`). Its parameters are still checked against the IDL.
    mutating func registerStreaming<M: ControlMethod>(
        _ method: M.Type, readOnly: Bool,
        _ handler: @escaping @Sendable (Context, VarlinkCall, VarlinkReplyWriter) async throws -> Void
    ) {
        let interface = interface
        add(M.name, Handler(readOnly: readOnly) { context, call, replies in
            _ = try Self.decode(call, as: M.self, interface: interface)
            try await handler(context, call, replies)
        })
    }

    private mutating func add(_ name: String, _ handler: Handler) {
        precondition(handlers[name] == nil, "\(name) is registered twice")
        handlers[name] = handler
    }

    /// Rejects parameters the IDL does not declare for the method, then decodes the
    /// rest; a missing or mistyped field throws `DecodingError`, which the transport
    /// turns into `InvalidParameter` naming it.
    static func decode<M: ControlMethod>(_ call: VarlinkCall, as method: M.Type,
                                         interface: VarlinkInterfaceDescription) throws -> M.Parameters {
        if let typed = call.typedParameters as? M.Parameters { return typed }
        let parameters = call.parameters ?? [:]
        let known = interface.inputs[M.name] ?? []
        if let unknown = parameters.keys.sorted().first(where: { !known.contains($0) }) {
            throw ControlError.invalidParameter(unknown, reason: unknownReason(unknown, method: M.name, known: known))
        }
        return try JSONValue.object(parameters).decode(as: M.Parameters.self)
    }

    /// "unknown parameter 'timezone' for AddContact; did you mean 'timeZone'? Known: name, …"
    static func unknownReason(_ name: String, method: String, known: [String]) -> String {
        let reason = "unknown parameter '\(name)' for \(method)"
        guard !known.isEmpty else { return reason + "; it takes no parameters" }
        guard let guess = Spelling.suggestions(for: name, among: known, limit: 1).first else {
            return reason + ". Known: \(known.joined(separator: ", "))"
        }
        return reason + "; did you mean '\(guess)'? Known: \(known.joined(separator: ", "))"
    }
}
