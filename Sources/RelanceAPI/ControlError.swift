import Foundation
import VarlinkProtocol

/// The errors of io.relance.Control, as Varlink errors with the IDL's parameters.
public enum ControlError {
    public static func contactNotFound(query: String, suggestions: [String] = []) -> VarlinkError {
        error("ContactNotFound", ["query": .string(query), "suggestions": .array(suggestions.map { .string($0) })])
    }
    public static func ambiguousContact(query: String, candidates: [String]) -> VarlinkError {
        error("AmbiguousContact", ["query": .string(query), "candidates": .array(candidates.map { .string($0) })])
    }
    public static func outreachNotFound(id: Int64) -> VarlinkError {
        error("OutreachNotFound", ["id": .number(Double(id))])
    }
    public static func inboxItemNotFound(id: Int64) -> VarlinkError {
        error("InboxItemNotFound", ["id": .number(Double(id))])
    }
    public static func meetingNotFound(id: Int64) -> VarlinkError {
        error("MeetingNotFound", ["id": .number(Double(id))])
    }
    public static func duplicateMeeting(id: Int64, startsAt: Date) -> VarlinkError {
        error("DuplicateMeeting", ["id": .number(Double(id)), "startsAt": .string(JSONCoding.formatDate(startsAt))])
    }
    public static func eventNotFound(id: Int64) -> VarlinkError {
        error("EventNotFound", ["id": .number(Double(id))])
    }
    public static func occurrenceNotFound(event: Int64, at: String, next: String?) -> VarlinkError {
        var parameters: [String: JSONValue] = ["event": .number(Double(event)), "at": .string(at)]
        if let next { parameters["next"] = .string(next) }
        return error("OccurrenceNotFound", parameters)
    }
    public static func reminderNotFound(id: Int64) -> VarlinkError {
        error("ReminderNotFound", ["id": .number(Double(id))])
    }
    public static func reminderNotPending(id: Int64, state: String) -> VarlinkError {
        error("ReminderNotPending", ["id": .number(Double(id)), "state": .string(state)])
    }
    public static func invalidParameter(_ parameter: String, reason: String) -> VarlinkError {
        error("InvalidParameter", ["parameter": .string(parameter), "reason": .string(reason)])
    }
    public static func invalidMessage(reason: String) -> VarlinkError {
        error("InvalidMessage", ["reason": .string(reason)])
    }
    public static func messageTooLarge(limit: Int) -> VarlinkError {
        error("MessageTooLarge", ["limit": .number(Double(limit))])
    }
    public static func watchOverflow(lost: Int) -> VarlinkError {
        error("WatchOverflow", ["lost": .number(Double(lost))])
    }
    public static func tooManyConnections(limit: Int) -> VarlinkError {
        error("TooManyConnections", ["limit": .number(Double(limit))])
    }
    public static func importRejected(_ report: ImportReportInfo) -> VarlinkError {
        let value = (try? JSONValue(encoding: report)) ?? .null
        return error("ImportRejected", ["report": value])
    }
    public static func restoreRefused(reason: String) -> VarlinkError {
        error("RestoreRefused", ["reason": .string(reason)])
    }
    public static func notOnTeamNode(method: String, reason: String) -> VarlinkError {
        error("NotOnTeamNode", ["method": .string(method), "reason": .string(reason)])
    }
    public static func duplicateContact(field: String, value: String, existing: String) -> VarlinkError {
        error("DuplicateContact", ["field": .string(field), "value": .string(value), "existing": .string(existing)])
    }
    public static func contactHasOpenOutreach(contact: String, outreach: [Int64]) -> VarlinkError {
        error("ContactHasOpenOutreach", ["contact": .string(contact), "outreach": .array(outreach.map { .number(Double($0)) })])
    }
    public static func alreadyContacted(contact: String, by: String, sentAt: Date, state: String, timeZone: String) -> VarlinkError {
        error("AlreadyContacted", ["contact": .string(contact), "by": .string(by), "sentAt": .string(JSONCoding.formatDate(sentAt)),
                                   "state": .string(state), "timeZone": .string(timeZone)])
    }
    public static func notATeamUser(uid: UInt32) -> VarlinkError {
        error("NotATeamUser", ["uid": .number(Double(uid))])
    }
    public static func snapshotNotFound(id: String) -> VarlinkError {
        error("SnapshotNotFound", ["id": .string(id)])
    }
    public static func snapshotFailed(reason: String) -> VarlinkError {
        error("SnapshotFailed", ["reason": .string(reason)])
    }
    public static func configurationInvalid(reason: String) -> VarlinkError {
        error("ConfigurationInvalid", ["reason": .string(reason)])
    }

    public static func storeUnavailable(reason: String) -> VarlinkError {
        error("StoreUnavailable", ["reason": .string(reason)])
    }

    private static func error(_ name: String, _ parameters: [String: JSONValue]) -> VarlinkError {
        VarlinkError(name: "\(ControlInterface.name).\(name)", parameters: parameters)
    }
}
