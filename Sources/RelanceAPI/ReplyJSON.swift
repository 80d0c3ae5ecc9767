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

// `Watch` sends one of these per fired item: through `JSONEncoder`, 1 000 due at one
// instant reached a `Watch` client 7–15 ms after their commit.

extension DeliveryInfo: JSONBytesEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("attempts", attempts)
        json.member("channel", channel)
        json.member("digest", digest)
        json.member("lastAttemptAt", lastAttemptAt)
        json.member("lastError", lastError)
        json.member("sentAt", sentAt)
        json.member("state", state)
        json.endObject()
    }
}

extension InboxItemInfo: JSONBytesEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("contactId", contactId)
        json.member("deliveries", deliveries)
        json.member("dueAt", dueAt)
        json.member("firedAt", firedAt)
        json.member("id", id)
        json.member("kind", kind)
        json.member("late", late)
        json.member("outreachId", outreachId)
        json.member("reminderId", reminderId)
        json.member("snoozedUntil", snoozedUntil)
        json.member("state", state)
        json.member("text", text)
        json.endObject()
    }
}

extension InboxItemReply: JSONBytesEncodable {
    public func writeJSON(to json: inout JSONBytes) {
        json.beginObject()
        json.member("item", item)
        json.member("timeZone", timeZone)
        json.endObject()
    }
}
