import Foundation
import RelanceCore

/// The walk both stores make over the reminders one firing claimed (the personal
/// SQLite one and a team's PostgreSQL one, issue #16), so catch-up means the same on
/// both: each fired reminder's follow-on is persisted (`follow`); a step whose successor
/// is already due at `now` is superseded (`skip`: recorded, not delivered) and its
/// successor, claimed in the same transaction, takes its place in the walk.
public enum FiringWorklist {
    /// The reminders to deliver, in order, each with whether it took a skipped step's
    /// place (late by nature).
    /// - Parameters:
    ///   - follow: persists what follows a fired reminder; the successor it planned, if any.
    ///   - firesAt: when a successor fires.
    ///   - claim: marks a successor fired; nil if it is no longer pending.
    ///   - skip: records a superseded reminder as skipped.
    public static func walk<Fired, Successor>(_ fired: [Fired], now: Date,
                                              follow: (Fired) throws -> Successor?,
                                              firesAt: (Successor) -> Date,
                                              claim: (Successor) throws -> Fired?,
                                              skip: (Fired) throws -> Void) throws -> [(reminder: Fired, catchingUp: Bool)] {
        var queue = fired.map { (reminder: $0, catchingUp: false) }
        var delivered: [(reminder: Fired, catchingUp: Bool)] = []
        var index = 0
        while index < queue.count {
            let current = queue[index]
            index += 1
            if let successor = try follow(current.reminder),
               FollowOn.isSuperseded(successorFiresAt: firesAt(successor), now: now),
               let claimed = try claim(successor) {
                try skip(current.reminder)
                queue.append((claimed, true))
                continue
            }
            delivered.append(current)
        }
        return delivered
    }
}
