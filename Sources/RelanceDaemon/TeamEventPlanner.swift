import Foundation
import Logging
import RelanceCore
import RelanceTeamStore

/// `EventPlanner` on a team node: each event's next occurrences keep their reminders in
/// the team's database (a weekly event forever costs a handful of rows), planned once
/// whichever nodes ask at the same time (`TeamStore.materialize` locks the event's row).
struct TeamEventPlanner: Sendable {
    let store: TeamStore

    /// The next occurrences that carry reminders, after `now` (libical, in the event's
    /// wall clock), as the personal daemon expands them.
    static func upcoming(_ now: Date) -> TeamStore.Occurrences {
        { event in try EventPlanner.occurrences(event, after: now, limit: EventPlanner.lookahead) }
    }

    /// Plans the next occurrences of these events (all of them when nil: a node starting);
    /// a failure is logged and does not stop the others.
    func materialize(_ ids: Set<Int64>?, rules: TimingRules, now: Date, logger: Logger) {
        let all: [Int64]
        do {
            all = try ids.map { $0.sorted() } ?? store.eventIDs()
        } catch {
            logger.error("could not list the team's events to plan their next occurrences: \(error)")
            return
        }
        for id in all {
            do {
                _ = try store.materialize(eventID: id, rules: rules, now: now, upcoming: Self.upcoming(now))
            } catch {
                logger.error("could not schedule the next occurrences of event \(id): \(error)", metadata: ["event_id": "\(id)"])
            }
        }
    }
}
