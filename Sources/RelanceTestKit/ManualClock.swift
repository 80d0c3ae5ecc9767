import Foundation
import NIOConcurrencyHelpers
import RelanceCore

/// A wall clock that moves only when a test says so.
public final class ManualClock: WallClock {
    private let current: NIOLockedValueBox<Date>

    public init(_ start: Date) { current = NIOLockedValueBox(start) }

    /// From an ISO 8601 instant, e.g. "2026-11-12T09:00:00Z".
    public convenience init(_ iso: String) { self.init(try! Date(iso, strategy: .iso8601)) }

    public func now() -> Date { current.withLockedValue { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLockedValue { $0.addTimeInterval(seconds) } }

    public func set(_ date: Date) { current.withLockedValue { $0 = date } }
}

/// "2026-11-12T09:00:00Z" as a Date, for test tables.
public func instant(_ iso: String) -> Date { try! Date(iso, strategy: .iso8601) }
