import Foundation
import VarlinkProtocol

// The replies sent most often write their own JSON (issue #15): the same bytes as
// `JSONCoding.encoder` (keys in sorted order, absent optionals left out), checked by
// ReplyJSONTests against it. A field added to one of these types in the IDL must be added
// here too: that test fails until it is.

extension ReminderInfo: JSONBytesEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("contactId", contactId)
        json.member("dueAt", dueAt)
        json.member("fireAt", fireAt)
        json.member("id", id)
        json.member("kind", kind)
        json.member("outreachId", outreachId)
        json.member("reason", reason)
        json.member("state", state)
        json.member("text", text)
        json.endObject()
    }
}

extension Remind.Reply: JSONBytesEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("reminder", reminder)
        json.member("timeZone", timeZone)
        json.endObject()
    }
}

extension CancelReminder.Reply: JSONBytesEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("reminder", reminder)
        json.member("summary", summary)
        json.endObject()
    }
}

extension MoveReminder.Reply: JSONBytesEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("reminder", reminder)
        json.member("summary", summary)
        json.endObject()
    }
}
