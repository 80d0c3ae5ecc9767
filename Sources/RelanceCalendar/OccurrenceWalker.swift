import CICal
import Foundation
import RelanceCore

/// Walks an event's recurrence set in ascending wall-clock order: DTSTART, the RRULE
/// occurrences libical generates, and the RDATEs, merged without duplicates, minus the
/// EXDATEs (RFC 5545 §3.8.5).
///
/// A class because it owns a libical iterator that must be freed exactly once. Not
/// `Sendable`: it lives inside one call.
final class OccurrenceWalker {
    /// How many times libical's iterator may be stepped before we give up, so a rule
    /// with a DTSTART far in the past cannot keep a caller busy indefinitely.
    static let stepBudget = 100_000

    private let rule: RecurrenceRule?
    private var iterator: OpaquePointer?
    private let start: LocalDateTime
    /// RDATEs and DTSTART, sorted and unique.
    private let listed: [LocalDateTime]
    private var listedIndex = 0
    private let excluded: Set<LocalDateTime>

    private var steps = 0
    private var ruleFinished = false
    private var ruleOutputs = 0
    /// The most rule occurrences still to take, when COUNT has to be shared with an
    /// unsynchronised DTSTART (see `nextFromRule`).
    private var ruleAllowance: Int?
    private var lastFromRule: LocalDateTime?
    private var pendingFromRule: LocalDateTime?
    private var lastEmitted: LocalDateTime?

    /// The budget this walk has (tests give a small one).
    private let budget: Int

    /// Prepares the walk; `zone` is the event's zone, used only to read a UTC UNTIL.
    init(start: LocalDateTime, recurrence: Recurrence, zone: TimeZone, budget: Int = OccurrenceWalker.stepBudget) throws {
        self.budget = budget
        self.start = start.normalized
        listed = Array(Set(recurrence.rdates.map(\.normalized) + [start.normalized])).sorted()
        excluded = Set(recurrence.exdates.map(\.normalized))
        if let text = recurrence.rrule {
            var rule = try RecurrenceRule(parsing: text)
            rule.anchorUntil(in: zone)
            guard let iterator = icalrecur_iterator_new(rule.value, icaltimetype(floating: self.start)) else {
                throw CalendarError(.invalidRecurrenceRule, "'\(rule.text)' is not a valid RRULE: libical cannot expand it "
                                    + "from DTSTART \(self.start); check its BY… parts against DTSTART")
            }
            self.rule = rule
            self.iterator = iterator
        } else {
            rule = nil
            iterator = nil
        }
    }

    deinit {
        if let iterator { icalrecur_iterator_free(iterator) }
    }

    /// The next occurrence in wall-clock order, or nil when the set is exhausted.
    /// Throws `expansionLimitReached` once libical has been stepped `stepBudget` times.
    func next() throws -> LocalDateTime? {
        while true {
            if pendingFromRule == nil { pendingFromRule = try nextFromRule() }
            let fromList = listedIndex < listed.count ? listed[listedIndex] : nil
            let candidate: LocalDateTime
            switch (pendingFromRule, fromList) {
            case (nil, nil):
                return nil
            case let (fromRule?, nil):
                candidate = fromRule
                pendingFromRule = nil
            case let (nil, fromList?):
                candidate = fromList
                listedIndex += 1
            case let (fromRule?, fromList?):
                if fromRule <= fromList {
                    candidate = fromRule
                    pendingFromRule = nil
                    if fromRule == fromList { listedIndex += 1 }
                } else {
                    candidate = fromList
                    listedIndex += 1
                }
            }
            if let lastEmitted, candidate <= lastEmitted { continue }
            lastEmitted = candidate
            if excluded.contains(candidate) { continue }
            return candidate
        }
    }

    /// The next occurrence libical generates, strictly later than the one before.
    private func nextFromRule() throws -> LocalDateTime? {
        guard let iterator, let rule, !ruleFinished else { return nil }
        while true {
            if let allowance = ruleAllowance, ruleOutputs >= allowance {
                ruleFinished = true
                return nil
            }
            steps += 1
            guard steps <= budget else {
                throw CalendarError(.expansionLimitReached,
                                    "expanding '\(rule.text)' from DTSTART \(start) took more than \(budget) steps "
                                    + "before reaching the dates asked for; move DTSTART closer to them (e.g. to a recent occurrence)")
            }
            let time = icalrecur_iterator_next(iterator)
            if icaltime_is_null_time(time) != 0 {
                ruleFinished = true
                return nil
            }
            let local = LocalDateTime(libical: time)
            // libical 3.0 leaves out a DTSTART that does not match the rule, while RFC 5545
            // §3.8.5.3 makes DTSTART the first instance and §3.3.10 counts it in COUNT. We
            // list DTSTART ourselves, so such a rule may give only COUNT - 1 of its own.
            if ruleOutputs == 0, lastFromRule == nil, local != start, let count = rule.count {
                ruleAllowance = count - 1
                if count - 1 <= 0 {
                    ruleFinished = true
                    return nil
                }
            }
            // Guard against an iterator that stops moving forward.
            if let lastFromRule, local <= lastFromRule { continue }
            lastFromRule = local
            ruleOutputs += 1
            return local
        }
    }
}
