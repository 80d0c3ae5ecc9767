import Foundation
import NIOConcurrencyHelpers
import RelanceAPI

/// What each mail source (one IMAP folder) is doing, as `Status` shows it: written by the
/// watchers' threads, read by the control service.
public final class MailSourceHealth: Sendable {
    /// One source's state.
    public struct Entry: Sendable, Equatable {
        public enum State: String, Sendable, Equatable {
            /// Connecting, logging in, or reading what came meanwhile.
            case connecting
            /// Connected and waiting for news: IDLE, or checks at an interval.
            case watching
            /// The last attempt failed (`reason`); the next one is at `nextAttemptAt`.
            case failing
        }
        /// e.g. "imaps://sam@127.0.0.1:993 INBOX".
        public var name: String
        public var state: State
        /// How it waits ("IDLE", "every 300 s") or why it fails.
        public var detail: String?
        public var nextAttemptAt: Date?
        /// When the folder was last read up to date.
        public var lastReadAt: Date?
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    public init() {}

    /// Every source, by name.
    public var all: [Entry] { entries.withLockedValue { $0.values.sorted { $0.name < $1.name } } }

    /// Every source as `Status` reports it.
    public var infos: [MailSourceInfo] {
        let instant = ISO8601DateFormatter()
        return all.map { entry in
            MailSourceInfo(name: entry.name, state: entry.state.rawValue, detail: entry.detail,
                           nextAttemptAt: entry.nextAttemptAt.map(instant.string(from:)),
                           lastReadAt: entry.lastReadAt.map(instant.string(from:)))
        }
    }

    func update(_ name: String, _ change: (inout Entry) -> Void) {
        entries.withLockedValue { entries in
            var entry = entries[name] ?? Entry(name: name, state: .connecting)
            change(&entry)
            entries[name] = entry
        }
    }
}
