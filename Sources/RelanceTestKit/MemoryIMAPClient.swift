import Foundation
import NIOConcurrencyHelpers
import RelanceCore

/// An IMAP account in memory and a client to it: the in-memory twin of libetpan's
/// session, for the watcher's unit tests. One folder per client; `deliver` adds a message
/// and wakes a `waitForNews` in IDLE, `renumber` changes the UIDVALIDITY.
public final class MemoryIMAPClient: IMAPClient, Sendable {
    struct Message: Sendable {
        var uid: UInt32
        var receivedAt: Date
        var header: String
        var body: String
    }
    struct State: Sendable {
        var uidValidity: UInt32 = 1
        var nextUID: UInt32 = 1
        var messages: [Message] = []
        var news = false
        var interrupted = false
        var logins = 0
        var bodyFetches = 0
        var waits: [(idle: Bool, timeout: Duration)] = []
    }

    private let state = NIOLockedValueBox(State())
    private let condition = NSCondition()

    public init() {}

    /// Adds a message (its header section and text) and tells an idling client.
    public func deliver(header: String, body: String = "", at date: Date = Date()) {
        state.withLockedValue { state in
            state.messages.append(Message(uid: state.nextUID, receivedAt: date, header: header, body: body))
            state.nextUID += 1
            state.news = true
        }
        condition.lock(); condition.broadcast(); condition.unlock()
    }

    /// A new UIDVALIDITY, every message renumbered from 1 (a rebuilt mailbox).
    public func renumber() {
        state.withLockedValue { state in
            state.uidValidity += 1
            for index in state.messages.indices { state.messages[index].uid = UInt32(index + 1) }
            state.nextUID = UInt32(state.messages.count + 1)
        }
    }

    /// How often a session logged in, and how many message texts were fetched.
    public var logins: Int { state.withLockedValue { $0.logins } }
    public var bodyFetches: Int { state.withLockedValue { $0.bodyFetches } }
    /// Every `waitForNews` asked for: in IDLE or not, and for how long at most.
    public var waits: [(idle: Bool, timeout: Duration)] { state.withLockedValue { $0.waits } }

    public func open(_ endpoint: IMAPEndpoint, password: String) throws(IMAPClientError) {
        state.withLockedValue { $0.logins += 1 }
    }

    public func supportsIdle() -> Bool { true }

    public func examine(_ folder: String) throws(IMAPClientError) -> IMAPMailbox {
        state.withLockedValue { IMAPMailbox(uidValidity: $0.uidValidity, uidNext: $0.nextUID, messageCount: UInt32($0.messages.count)) }
    }

    /// As a real server: `UID FETCH n:*` lists the last message even when its UID is below n.
    public func messages(after uid: UInt32) throws(IMAPClientError) -> [IMAPListedMessage] {
        state.withLockedValue { state in
            var found = state.messages.filter { $0.uid > uid }
            if found.isEmpty, let last = state.messages.last { found = [last] }
            return found.map { IMAPListedMessage(uid: $0.uid, receivedAt: $0.receivedAt) }
        }
    }

    public func fetch(uid: UInt32, body: Bool, limit: Int) throws(IMAPClientError) -> Data? {
        state.withLockedValue { state in
            guard let message = state.messages.first(where: { $0.uid == uid }) else { return nil }
            if body { state.bodyFetches += 1 }
            return Data((body ? message.body : message.header).utf8.prefix(limit))
        }
    }

    public func waitForNews(idle: Bool, timeout: Duration) throws(IMAPClientError) -> IMAPWaitOutcome {
        state.withLockedValue { $0.waits.append((idle, timeout)) }
        condition.lock()
        defer { condition.unlock() }
        while true {
            let outcome: IMAPWaitOutcome? = state.withLockedValue { state in
                if state.interrupted { return .interrupted }
                if state.news { state.news = false; return .news }
                return nil
            }
            if let outcome { return outcome }
            condition.wait()
        }
    }

    public func noop() throws(IMAPClientError) {}

    public func close() {}

    public func interrupt() {
        state.withLockedValue { $0.interrupted = true }
        condition.lock(); condition.broadcast(); condition.unlock()
    }

    /// No network here to cut: as `interrupt`.
    public func abort() { interrupt() }
}
