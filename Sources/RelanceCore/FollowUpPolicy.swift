import Foundation

/// "Give them time to reply": the nudges to send after an outreach gets no answer, then
/// a last "let it go" reminder after which the outreach counts as *no reply*.
public struct FollowUpPolicy: Sendable, Hashable, Codable {
    /// Waits before each nudge; each counts from the previous step (or from the
    /// follow-up you logged).
    public var nudges: [Wait]
    /// Wait after the last nudge before letting go; nil never lets go.
    public var letGo: Wait?

    public init(nudges: [Wait], letGo: Wait?) {
        self.nudges = nudges
        self.letGo = letGo
    }

    /// 10 business days, 15 more, then let go after 15.
    public static let gentle = FollowUpPolicy(nudges: [.businessDays(10), .businessDays(15)], letGo: .businessDays(15))
    /// 7 business days, 10 more, then let go after 10 (the default).
    public static let standard = FollowUpPolicy(nudges: [.businessDays(7), .businessDays(10)], letGo: .businessDays(10))
    /// 5 business days, then 7, then 7, then let go after 10.
    public static let persistent = FollowUpPolicy(nudges: [.businessDays(5), .businessDays(7), .businessDays(7)], letGo: .businessDays(10))

    public static let presets: [String: FollowUpPolicy] = ["gentle": .gentle, "standard": .standard, "persistent": .persistent]

    /// Number of steps, the let-go included.
    public var stepCount: Int { nudges.count + (letGo == nil ? 0 : 1) }

    /// The wait before step `index` (nudges first, then the let-go).
    public func wait(forStep index: Int) -> Wait? {
        if index < nudges.count { return nudges[index] }
        return index == nudges.count ? letGo : nil
    }

    /// True for the let-go step.
    public func isLetGo(step index: Int) -> Bool { letGo != nil && index == nudges.count }

    /// The one reading of a follow-up sequence as people give it (the configuration's
    /// `[follow_up]`, a `LogOutreach` call, `relancectl outreach log`): start from `base`
    /// (the configured default), or the named preset; explicit nudges replace the
    /// preset's; the let-go replaces its let-go, `.never` removes it.
    /// - Throws: `PolicyError` naming the part that is wrong, for the caller to locate.
    public static func resolve(preset: String?, nudges: [Wait]?, letGo: LetGo?, base: FollowUpPolicy) throws(PolicyError) -> FollowUpPolicy {
        var policy = base
        if let preset {
            guard let named = presets[preset.trimmingCharacters(in: .whitespaces).lowercased()] else {
                throw PolicyError(part: .preset, reason: "'\(preset)' is not one of \(presetNames)")
            }
            policy = named
        }
        if let nudges {
            guard !nudges.isEmpty else { throw PolicyError(part: .nudges, reason: "give at least one wait, e.g. 7bd,10bd") }
            policy.nudges = nudges
        }
        switch letGo {
        case .never?: policy.letGo = nil
        case .after(let wait)?: policy.letGo = wait
        case nil: break
        }
        return policy
    }

    /// "gentle, standard, persistent".
    public static var presetNames: String { ["gentle", "standard", "persistent"].joined(separator: ", ") }

    /// The last step of a sequence as given.
    public enum LetGo: Sendable, Equatable {
        case never
        case after(Wait)

        /// "never", or a wait ("10bd", "P14D").
        public init(parsing text: String) throws {
            self = text.trimmingCharacters(in: .whitespaces).lowercased() == "never" ? .never : .after(try Wait(parsing: text))
        }
    }

    /// What is wrong with a sequence as given, and in which part.
    public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Part: Sendable, Equatable { case preset, nudges, letGo }
        public var part: Part
        public var reason: String
        public var description: String { reason }
    }
}
