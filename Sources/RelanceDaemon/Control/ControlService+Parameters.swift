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

    func localDateTime(_ text: String, _ parameter: String) throws -> LocalDateTime {
        guard let value = LocalDateTime(text) else {
            throw ControlError.invalidParameter(parameter, reason: "'\(text)' is not a wall-clock time like 2026-12-10T19:00")
        }
        return value
    }
}
