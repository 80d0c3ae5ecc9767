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

    /// Parses a preset name or explicit nudges "7bd,10bd" (let-go from `letGo` text,
    /// "never" for none, default the standard's).
    public init(parsing text: String, letGo letGoText: String? = nil) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let preset = Self.presets[trimmed] {
            self = preset
        } else {
            let nudges = try text.split(separator: ",").map { try Wait(parsing: String($0)) }
            guard !nudges.isEmpty else {
                throw ValidationError(field: "policy", reason: "give gentle, standard, persistent or waits like 7bd,10bd")
            }
            self.init(nudges: nudges, letGo: Self.standard.letGo)
        }
        if let letGoText {
            letGo = letGoText.lowercased() == "never" ? nil : try Wait(parsing: letGoText)
        }
    }
}
