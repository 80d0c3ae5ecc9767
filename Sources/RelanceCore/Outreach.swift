import Foundation

/// Where an outreach attempt stands.
public enum OutreachStatus: String, Sendable, Codable, CaseIterable {
    /// Sent; giving them time to reply.
    case awaitingReply = "awaiting_reply"
    /// They answered.
    case replied
    /// They said no, kindly or not.
    case declined
    /// They offered or accepted a meeting.
    case meetingAgreed = "meeting_agreed"
    /// The user closed it.
    case closed
    /// The follow-ups ran out without an answer.
    case noReply = "no_reply"
    /// You took the ask back (`CancelOutreach`): no more nudges; kept in the history.
    case withdrawn
}

/// How an outreach ended, as the user records it with `RecordReply`.
public enum ReplyOutcome: String, Sendable, Codable, CaseIterable {
    case replied, declined
    case meeting
    case closed
    /// An out-of-office or other automatic answer: not a reply, the sequence goes on.
    case autoReply = "auto_reply"
    /// The message bounced: not a reply either.
    case bounce

    /// The status the outreach takes; nil when the outcome does not end the sequence.
    public var status: OutreachStatus? {
        switch self {
        case .replied: .replied
        case .declined: .declined
        case .meeting: .meetingAgreed
        case .closed: .closed
        case .autoReply, .bounce: nil
        }
    }
}

/// One ask sent to one contact on one channel.
public struct Outreach: Sendable, Codable, Hashable, Identifiable {
    public var id: Int64
    public var contactID: Int64
    /// How it was sent: "email", "linkedin", "mastodon", …
    public var channel: String
    /// What was asked ("a 20-minute coffee chat").
    public var ask: String
    /// When it was sent (UTC).
    public var sentAt: Date
    public var status: OutreachStatus
    /// Its follow-up sequence.
    public var policy: FollowUpPolicy
    /// Follow-ups you logged as sent.
    public var followUpsSent: Int
    /// When you last followed up, if ever.
    public var lastFollowUpAt: Date?
    /// When the reply (or other outcome) was recorded.
    public var closedAt: Date?
    /// The original message's Message-ID (no angle brackets), when the user gave it:
    /// drafted follow-ups reply in its thread.
    public var messageID: String?

    public init(id: Int64, contactID: Int64, channel: String, ask: String, sentAt: Date,
                status: OutreachStatus, policy: FollowUpPolicy, followUpsSent: Int = 0,
                lastFollowUpAt: Date? = nil, closedAt: Date? = nil, messageID: String? = nil) {
        self.messageID = messageID
        self.id = id; self.contactID = contactID; self.channel = channel; self.ask = ask
        self.sentAt = sentAt; self.status = status; self.policy = policy
        self.followUpsSent = followUpsSent; self.lastFollowUpAt = lastFollowUpAt; self.closedAt = closedAt
    }
}
