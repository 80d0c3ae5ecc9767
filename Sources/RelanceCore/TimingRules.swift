import Foundation

/// Everything the polite-timing rules depend on, from the configuration.
public struct TimingRules: Sendable, Hashable {
    /// The user's IANA zone: windows, "the day before", wall-clock rules.
    public var userZone: TimeZone
    public var calendar: BusinessCalendar
    public var window: DeliveryWindow
    /// A follow-up counted in business days is due at this local time, in the contact's
    /// zone when known (their morning), else in the user's.
    public var politeTime: LocalTimeOfDay
    /// The default follow-up sequence.
    public var followUp: FollowUpPolicy
    /// Meeting and event reminders this close to the start ignore the window (seconds).
    public var nearStart: TimeInterval
    /// "Leave for <place>" this long before a meeting.
    public var meetingLeaveLead: ISODuration
    /// Whether to prompt for a thank-you note after a meeting.
    public var thankYouNote: Bool
    /// Default event reminders, before the start ("P7D", "P1D", "PT2H").
    public var eventReminders: [ISODuration]
    /// Whether to prompt, the morning after an event, to log the people met.
    public var eventLogPeople: Bool
    /// After an out-of-office names a return date, the next nudge waits this many
    /// business days past it (they have a full inbox to get through).
    public var afterReturnBusinessDays: Int = 2

    public init(userZone: TimeZone, calendar: BusinessCalendar = BusinessCalendar(), window: DeliveryWindow? = nil,
                politeTime: LocalTimeOfDay = LocalTimeOfDay(hour: 9, minute: 30), followUp: FollowUpPolicy = .standard,
                nearStart: TimeInterval = 3 * 3600, meetingLeaveLead: ISODuration = ISODuration(hours: 1),
                thankYouNote: Bool = true,
                eventReminders: [ISODuration] = [ISODuration(days: 7), ISODuration(days: 1), ISODuration(hours: 2)],
                eventLogPeople: Bool = true) {
        self.userZone = userZone
        self.calendar = calendar
        self.window = window ?? DeliveryWindow(timeZone: userZone, holidays: calendar.holidays)
        self.politeTime = politeTime
        self.followUp = followUp
        self.nearStart = nearStart
        self.meetingLeaveLead = meetingLeaveLead
        self.thankYouNote = thankYouNote
        self.eventReminders = eventReminders
        self.eventLogPeople = eventLogPeople
    }
}

/// When a reminder is due, when it fires, and why, in words for `Upcoming`.
public struct PlannedTime: Sendable, Hashable {
    /// When it came due by its rule.
    public var dueAt: Date
    /// When it fires: `dueAt`, or later when the delivery window defers it.
    public var fireAt: Date
    /// "7 business days after Thu 12 Nov (09:30 Asia/Tokyo); moved to Mon 16 Nov 09:00: delivery window".
    public var reason: String

    public init(dueAt: Date, fireAt: Date, reason: String) {
        self.dueAt = dueAt
        self.fireAt = fireAt
        self.reason = reason
    }
}
