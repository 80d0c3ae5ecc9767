import NIOConcurrencyHelpers

/// The configuration in force, shared by everything that reads it (the scheduler's
/// rules, the digest's zone, the control handlers); a reload swaps it in one step.
public final class LiveConfiguration: Sendable {
    private let box: NIOLockedValueBox<Configuration>

    public init(_ configuration: Configuration) { box = NIOLockedValueBox(configuration) }

    /// The configuration now.
    public var current: Configuration {
        get { box.withLockedValue { $0 } }
        set { box.withLockedValue { $0 = newValue } }
    }
}
