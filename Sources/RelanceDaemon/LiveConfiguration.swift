import Foundation
import RelanceCore
import NIOConcurrencyHelpers

/// The configuration in force, shared by everything that reads it (the scheduler's
/// rules, the digest's zone, the control handlers); a reload swaps it in one step.
public final class LiveConfiguration: Sendable {
    private let box: NIOLockedValueBox<Configuration>
    private let imported = NIOLockedValueBox<Set<LocalDate>>([])

    public init(_ configuration: Configuration) { box = NIOLockedValueBox(configuration) }

    /// The configuration now, with the imported holidays (issue #12) among its days off:
    /// a reload sets the file's configuration, and they stay.
    public var current: Configuration {
        get {
            var configuration = box.withLockedValue { $0 }
            let days = imported.withLockedValue { $0 }
            configuration.rules = Self.rules(configuration.rules, with: days)
            return configuration
        }
        set { box.withLockedValue { $0 = newValue } }
    }

    /// The user's zone in force: what a call reading a time needs, without copying the
    /// whole configuration and merging the holidays (twice per `Remind`, issue #15).
    public var userZone: TimeZone { box.withLockedValue { $0.rules.userZone } }

    /// The days `relancectl import --holidays` stored (the configuration's aside).
    public var importedHolidays: Set<LocalDate> {
        get { imported.withLockedValue { $0 } }
        set { imported.withLockedValue { $0 = newValue } }
    }

    /// The configuration's own holidays, without the imported ones.
    public var configuredHolidays: Set<LocalDate> { box.withLockedValue { $0.rules.calendar.holidays } }

    /// `rules` with `days` off too: the business calendar skips them and the delivery
    /// window stays closed on them.
    public static func rules(_ rules: TimingRules, with days: Set<LocalDate>) -> TimingRules {
        guard !days.isEmpty else { return rules }
        var rules = rules
        rules.calendar.holidays.formUnion(days)
        rules.window.holidays.formUnion(days)
        return rules
    }
}
