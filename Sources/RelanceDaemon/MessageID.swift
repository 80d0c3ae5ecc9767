import Logging

/// Fixed 128-bit journal `MESSAGE_ID`s for the events worth finding later
/// (`journalctl MESSAGE_ID=48e91f1dd54b467c9728d6f91fd641ed`). Never change a value:
/// scripts and catalogues match on them. Logged as the metadata key `message_id`.
public enum MessageID: String, CaseIterable, Sendable {
    /// A reminder fired and its inbox item was committed.
    case reminderFired = "48e91f1dd54b467c9728d6f91fd641ed"
    /// A notification reached a delivery channel.
    case delivered = "f0e94428113443ffb5b20f91fe6ccea9"
    /// A delivery attempt failed (it will be retried).
    case deliveryFailed = "4d4a36c4c9f24269afe630c49a3a3f07"
    /// Reminders that came due while the daemon was down fired at start-up.
    case catchUp = "1ab1771840a44ee08b3fa1567f05c4c0"
    /// A configuration file was rejected; the previous configuration stays in force.
    case configurationRejected = "a507f3e8bc4740c4abefd1648cca188e"
    /// The daemon is ready and serving.
    case ready = "e9d8a0a4ad1a4b478ec67879fc237f4a"
    /// A mail source (an IMAP folder) failed: a refused login, an untrusted certificate,
    /// a dropped connection. It is retried with back-off; `relancectl status` says why.
    case mailSourceFailed = "c68085fdcc114c78b979baf57ab0284e"

    /// Metadata carrying this id.
    public var metadata: Logger.Metadata { ["message_id": "\(rawValue)"] }
}
