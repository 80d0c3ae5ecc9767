/// A recurrence rule or calendar file that cannot be used, saying what is wrong, where,
/// and what to write instead.
///
/// A struct with an open set of codes rather than an enum, so new kinds of error can be
/// added without breaking callers that switch over them.
public struct CalendarError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is, for callers that map errors to protocol error names.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable, lower-camel-case name ("invalidRecurrenceRule").
        public let name: String

        /// The RRULE text is malformed, or asks for something Relance does not expand.
        public static let invalidRecurrenceRule = Code(name: "invalidRecurrenceRule")
        /// The text is not an iCalendar document, or a component in it is malformed.
        public static let invalidCalendar = Code(name: "invalidCalendar")
        /// A TZID that names no IANA time zone Relance can find.
        public static let unknownTimeZone = Code(name: "unknownTimeZone")
        /// Expansion gave up after its step budget (a rule with very many occurrences
        /// between DTSTART and the requested window).
        public static let expansionLimitReached = Code(name: "expansionLimitReached")

        /// The code's name.
        public var description: String { name }
    }

    /// What kind of problem this is.
    public let code: Code
    /// What is wrong and what to do about it, without the location prefix.
    public let message: String
    /// The 1-based line of the iCalendar text at fault, when known.
    public let line: Int?
    /// The UID of the event at fault, when known.
    public let uid: String?

    /// Makes an error; `message` should say what is wrong and how to fix it.
    public init(_ code: Code, _ message: String, line: Int? = nil, uid: String? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.uid = uid
    }

    /// "line 12 (UID party@example.com): message", or just the message when there is
    /// no location to give.
    public var description: String {
        switch (line, uid) {
        case let (line?, uid?): "line \(line) (UID \(uid)): \(message)"
        case let (line?, nil): "line \(line): \(message)"
        case let (nil, uid?): "UID \(uid): \(message)"
        case (nil, nil): message
        }
    }

    /// The same error located at `line` / `uid`, keeping any location it already has.
    func located(line: Int?, uid: String?) -> CalendarError {
        CalendarError(code, message, line: self.line ?? line, uid: self.uid ?? uid)
    }
}
