/// Why a channel could not deliver, or why a mail could not be built.
///
/// A struct with an open set of codes (not an enum) so that new failure kinds can be
/// added without breaking callers that switch over them. `message` says what failed,
/// where, and what to check; it is written for the person reading `Status` or the journal.
public struct ChannelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently (e.g. stop retrying on
    /// ``Code/invalidMessage``; retry on ``Code/timedOut``).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let raw: String
        private init(_ raw: String) { self.raw = raw }

        /// An address in configuration or data is not a usable mail address.
        public static let invalidAddress = Code("invalidAddress")
        /// A message cannot be built as given (bad Message-ID, bad host name…). Retrying
        /// the same input will fail the same way.
        public static let invalidMessage = Code("invalidMessage")
        /// Channel configuration is unusable (bad URL, unreadable password file…).
        public static let configuration = Code("configuration")
        /// The channel has nowhere to deliver right now (no session bus, no notification
        /// server). Worth retrying later.
        public static let unavailable = Code("unavailable")
        /// The server refused the credentials.
        public static let authenticationFailed = Code("authenticationFailed")
        /// The configured time ran out (connect or overall).
        public static let timedOut = Code("timedOut")
        /// The transport ran and failed (non-zero exit, SMTP error, D-Bus error…).
        public static let deliveryFailed = Code("deliveryFailed")
        /// The calling task was cancelled before delivery finished.
        public static let cancelled = Code("cancelled")

        /// The code's name, e.g. `timedOut`.
        public var description: String { raw }
    }

    /// The kind of failure.
    public var code: Code
    /// The channel or transport that failed ("mail", "smtp", "sendmail", "desktop").
    public var channel: String
    /// What failed and what to check, in one or two sentences.
    public var message: String

    /// An error for `channel` with a human-readable message.
    public init(_ code: Code, channel: String, _ message: String) {
        self.code = code
        self.channel = channel
        self.message = message
    }

    /// `"<channel>: <message>"`.
    public var description: String { "\(channel): \(message)" }
}
