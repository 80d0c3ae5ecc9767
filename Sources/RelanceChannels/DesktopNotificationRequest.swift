import Foundation

/// The arguments of one `org.freedesktop.Notifications.Notify` call, as plain data.
///
/// Built by a pure function of the notification and the server's capabilities, so the
/// choices (urgency per kind, which actions, markup escaping) are tested without a bus.
/// Follows the Desktop Notifications Specification 1.2.
public struct DesktopNotificationRequest: Sendable, Hashable {
    /// The `urgency` hint (a D-Bus byte).
    public enum Urgency: UInt8, Sendable, Hashable {
        /// Informational; servers may show it quietly.
        case low = 0
        /// The usual level.
        case normal = 1
        /// Servers keep it on screen until dismissed: only for "leave now" moments.
        case critical = 2
    }

    /// The action keys Relance understands in `ActionInvoked`.
    public enum ActionKey {
        /// Mark the inbox item done.
        public static let done = "done"
        /// Snooze the inbox item for a day.
        public static let snooze = "snooze"
        /// Open the item (relancectl / the inbox).
        public static let open = "open"
    }

    /// `app_name`.
    public var appName: String
    /// `replaces_id`: 0 for a new popup, or the id of one to update in place.
    public var replacesID: UInt32
    /// `app_icon` (empty: the server uses the desktop entry's icon, if any).
    public var appIcon: String
    /// `summary`: the notification's title.
    public var summary: String
    /// `body`: markup-escaped when the server renders markup.
    public var body: String
    /// `actions`: key, label, key, label… (empty when the server cannot show actions).
    public var actions: [String]
    /// The `urgency` hint.
    public var urgency: Urgency
    /// The `category` hint, `x-relance.<kind>` (the spec's vendor-extension form).
    public var category: String
    /// The `desktop-entry` hint: the `.desktop` file name without its suffix.
    public var desktopEntry: String
    /// `expire_timeout` in milliseconds; -1 lets the server decide.
    public var expireTimeout: Int32

    /// The request for `notification`, given what the server said it can do
    /// (`GetCapabilities`).
    public init(notification: ReminderNotification, replacing replacesID: UInt32 = 0,
                serverCapabilities: Set<String>, appName: String = "Relance",
                desktopEntry: String = "relance") {
        self.appName = appName
        self.replacesID = replacesID
        self.appIcon = ""
        self.summary = Self.stripNUL(notification.title)
        let body = Self.stripNUL(notification.body)
        // With "body-markup" the server parses the body as a small XML subset: a "<" in
        // a contact's note would otherwise vanish or break the whole body.
        self.body = serverCapabilities.contains("body-markup") ? Self.escapeMarkup(body) : body
        self.actions = serverCapabilities.contains("actions")
            ? [ActionKey.done, "Done", ActionKey.snooze, "Snooze 1 day", ActionKey.open, "Open"]
            : []
        self.urgency = Self.urgency(forKind: notification.kind)
        self.category = "x-relance.\(Self.categorySafe(notification.kind))"
        self.desktopEntry = desktopEntry
        self.expireTimeout = -1
    }

    /// How pressing each kind is. Critical only where minutes matter (leave for the
    /// meeting, the event is about to start); low for gentle, whenever-you-can nudges.
    public static func urgency(forKind kind: String) -> Urgency {
        switch kind {
        case "meeting_leave", "event_soon": return .critical
        case "thank_you", "keep_in_touch", "event_log_people": return .low
        default: return .normal  // follow_up, custom, meeting_prep, event_rsvp, event_day_before, test, unknown
        }
    }

    /// D-Bus strings cannot hold NUL; everything else is valid UTF-8 already (Swift).
    private static func stripNUL(_ text: String) -> String {
        text.contains("\0") ? text.replacingOccurrences(of: "\0", with: "") : text
    }

    private static func escapeMarkup(_ text: String) -> String {
        var result = ""
        for c in text {
            switch c {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.append(c)
            }
        }
        return result
    }

    /// Kinds come from our own code, but a category is matched by user rules in some
    /// servers (dunst): keep it to `[a-z0-9_-]`.
    private static func categorySafe(_ kind: String) -> String {
        let cleaned = String(kind.lowercased().unicodeScalars.map {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" ? Character($0) : "_"
        })
        return cleaned.isEmpty ? "unknown" : cleaned
    }
}
