import Foundation

/// The source of "now" for every time rule. Core logic takes one instead of calling
/// `Date()`, so tests drive time with a manual clock and never sleep.
public protocol WallClock: Sendable {
    /// The current instant (UTC; `Date` carries no zone).
    func now() -> Date
}

/// The real wall clock (`CLOCK_REALTIME`).
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { ProcessClock.now() }
}
