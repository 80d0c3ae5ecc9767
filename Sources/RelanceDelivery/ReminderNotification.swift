import Foundation
import RelanceCore

/// What a delivery channel hands to the user: one fired reminder, as a person reads it.
///
/// A value, built once per delivery job from the inbox item, so every channel (desktop,
/// mail, the recording twin) gets the same words and the same stable keys. Not named
/// plain `Notification`: every file that also imports Foundation would find that name
/// ambiguous (`Foundation.Notification`).
public struct ReminderNotification: Sendable, Hashable, Codable {
    /// The inbox item this delivers; channels derive their idempotency key from it
    /// (mail `Message-ID`, desktop `replaces_id` bookkeeping).
    public var inboxItemID: Int64
    /// The reminder that fired.
    public var reminderID: Int64
    /// What kind of reminder fired, e.g. `follow_up`, `meeting_leave`, `test` (see
    /// ``ReminderNotification/knownKinds``). A string rather than `ReminderKind` so that kinds
    /// added to the core later still travel through older channel code.
    public var kind: String
    /// One line for a person ("Follow up with Ada Lovelace"): mail subject, popup summary.
    public var title: String
    /// The longer text: mail body, popup body. May span several lines.
    public var body: String
    /// When the reminder was due (UTC).
    public var dueAt: Date
    /// When it fired (UTC); later than `dueAt` when the daemon was down. Also the mail
    /// `Date`, so a re-send after a crash is byte-for-byte the same message.
    public var firedAt: Date
    /// The user's zone (`[user] time_zone`): the times a person reads in the body, the
    /// footer and the mail `Date` are in it.
    public var timeZone: TimeZone = TimeZone(identifier: "Etc/UTC")!
    /// The globally unique key of this firing ("3f9c….inbox-42"): the store's random
    /// namespace, the item and, for a comeback after a snooze, its firing. Mail makes its
    /// `Message-ID` of it. Nil: the channel falls back to the inbox item id alone.
    public var deliveryKey: String?
    /// The key of the item's first firing when this one is a comeback (mail `References:`).
    public var firstDeliveryKey: String?
    /// Who this delivery is for, when not the channel's own recipients: on a team node, the
    /// reminder owner's address (`Name <addr>` or `addr`). Mail sends to it instead of
    /// `[mail] to`; nil on the personal daemon.
    public var recipient: String?

    /// Every kind the daemon may emit today. Channels accept others too (they fall back
    /// to neutral defaults); this list is what the urgency table and tests cover.
    public static let knownKinds: [String] = [
        "follow_up", "custom", "meeting_prep", "meeting_leave", "thank_you", "event_rsvp",
        "event_day_before", "event_soon", "event_log_people", "keep_in_touch", "test",
    ]

    /// A notification from its parts.
    public init(inboxItemID: Int64, reminderID: Int64, kind: String, title: String, body: String,
                dueAt: Date, firedAt: Date, deliveryKey: String? = nil, firstDeliveryKey: String? = nil) {
        self.inboxItemID = inboxItemID
        self.reminderID = reminderID
        self.kind = kind
        self.title = title
        self.body = body
        self.dueAt = dueAt
        self.firedAt = firedAt
        self.deliveryKey = deliveryKey
        self.firstDeliveryKey = firstDeliveryKey
    }

    /// What kind of reminder it is, in words for a footer: "follow-up", "meeting",
    /// "event", "test"; never the internal name (`follow_up`).
    public var kindInWords: String {
        switch kind {
        case "follow_up": "follow-up"
        case "let_go": "let-it-go"
        case "custom": "personal"
        case "meeting_prep", "meeting_leave": "meeting"
        case "thank_you": "thank-you"
        case "event_rsvp": "RSVP"
        case "event_day_before", "event_soon", "event_log_people": "event"
        case "keep_in_touch": "keep-in-touch"
        case "digest": "daily digest"
        default: kind.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// The notification for an inbox item: its text as the title, and `body` (or the
    /// text again when there is nothing longer to say).
    public init(inboxItem item: InboxItem, body: String? = nil) {
        self.init(inboxItemID: item.id, reminderID: item.reminderID, kind: item.kind.rawValue,
                  title: item.text, body: body ?? item.text, dueAt: item.dueAt, firedAt: item.firedAt)
    }
}
