import Foundation
import Logging
import RelanceAPI
import RelanceCore
import RelanceStore
import VarlinkProtocol
import VarlinkTransport

// Parameter values in their wire form (text) to core values, each failure an
// InvalidParameter naming the field.

extension ControlService {
    func wait(_ text: String, _ parameter: String) throws -> Wait {
        do { return try Wait(parsing: text) } catch { throw ControlError.invalidParameter(parameter, reason: "\(error)") }
    }

    func wait(_ info: WaitInfo, _ parameter: String) throws -> Wait {
        switch (info.duration, info.businessDays) {
        case (let duration?, nil):
            do { return try Wait.duration(try ISODuration(parsing: duration)).bounded(duration) } catch {
                throw ControlError.invalidParameter(parameter + ".duration", reason: "\(error)")
            }
        case (nil, let days?) where days >= 0 && days <= Wait.maximumBusinessDays: return .businessDays(days)
        case (nil, _?):
            throw ControlError.invalidParameter(parameter + ".businessDays",
                                                reason: "must be from 0 to \(Wait.maximumBusinessDays) (ten years)")
        default: throw ControlError.invalidParameter(parameter, reason: "give either duration or businessDays")
        }
    }

    func duration(_ text: String?, _ parameter: String, default value: ISODuration) throws -> ISODuration {
        guard let text else { return value }
        do { return try ISODuration(parsing: text) } catch { throw ControlError.invalidParameter(parameter, reason: "\(error)") }
    }

    /// An instant parameter: ISO 8601 as the IDL writes instants, or a time as a person
    /// types it ("tomorrow 9:30", "in 2h"), read in the user's zone at the daemon's now,
    /// so a client needs no zone of its own (issue #15). `since`-like filters look back;
    /// an event's RSVP deadline is read in the event's `zone`.
    func instant(_ text: String, _ parameter: String, in zone: TimeZone? = nil,
                 looking direction: WhenExpression.Direction = .ahead) throws -> Date {
        if let date = JSONCoding.parseDate(text) { return date }
        do {
            return try WhenExpression.parse(text, now: clock.now(), timeZone: zone ?? rules.userZone, looking: direction)
        } catch {
            throw ControlError.invalidParameter(parameter, reason: "\(error)")
        }
    }

    /// `instant(_:_:looking:)` for an optional parameter.
    func instant(_ text: String?, _ parameter: String, in zone: TimeZone? = nil,
                 looking direction: WhenExpression.Direction = .ahead) throws -> Date? {
        try text.map { try instant($0, parameter, in: zone, looking: direction) }
    }

    /// An event's wall-clock parameter: "2026-12-10T19:00" (or with a space), or a time
    /// as a person types it ("friday 19:00"), read in the event's `zone`.
    func localDateTime(_ text: String, _ parameter: String, in zone: TimeZone) throws -> LocalDateTime {
        if let value = LocalDateTime(text) { return value }
        do {
            return LocalDateTime(try WhenExpression.parse(text, now: clock.now(), timeZone: zone), in: zone)
        } catch {
            throw ControlError.invalidParameter(parameter, reason: "\(error)")
        }
    }

    /// The user's IANA zone, which replies carry so clients show instants in it.
    var zoneName: String { rules.userZone.identifier }
}
