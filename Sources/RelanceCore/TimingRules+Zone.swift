import Foundation

extension TimingRules {
    /// The same rules for a person in `zone` (a team user's own, issue #16): their times
    /// are read there and their delivery window's hours are wall-clock hours there.
    public func read(in zone: TimeZone) -> TimingRules {
        var rules = self
        rules.userZone = zone
        rules.window.timeZone = zone
        return rules
    }
}
