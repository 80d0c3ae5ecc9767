import Foundation

/// This process's wall clock: `CLOCK_REALTIME`, except that debug builds honour
/// `RELANCE_TEST_NOW=<ISO 8601 instant>`: the clock starts at that instant and runs at
/// normal speed, and timers are armed in real time accordingly. The README's tour is
/// replayed this way with the very dates it shows (Tests/e2e/test_readme_tour.py).
/// Release builds ignore the variable.
public enum ProcessClock {
    /// Seconds added to the real clock (0 unless a debug build was told otherwise).
    public static let offset: TimeInterval = {
        #if DEBUG
        if let text = ProcessInfo.processInfo.environment["RELANCE_TEST_NOW"],
           let start = try? Date(text, strategy: .iso8601) {
            return start.timeIntervalSinceNow
        }
        #endif
        return 0
    }()

    /// Now.
    public static func now() -> Date { Date().addingTimeInterval(offset) }
}
