import Foundation

/// What an incoming message means for an outreach, from its headers alone: a reply, an
/// automatic answer (out of office — RFC 3834 and the usual non-standard signs), or a
/// bounce. A pure rule; the store matches it to a contact or a thread.
public enum MailMeaning: Equatable, Sendable {
    case reply
    case autoReply
    case bounce

    public static func of(_ headers: MailHeaders) -> MailMeaning {
        let contentType = (headers["content-type"] ?? "").lowercased()
        if contentType.contains("multipart/report") && contentType.contains("delivery-status") { return .bounce }
        let from = headers.from.first ?? ""
        if from.hasPrefix("mailer-daemon@") || from.hasPrefix("postmaster@") { return .bounce }
        if let submitted = headers["auto-submitted"]?.lowercased(), !submitted.hasPrefix("no") { return .autoReply }
        if headers["x-autoreply"] != nil || headers["x-autorespond"] != nil { return .autoReply }
        if let precedence = headers["precedence"]?.lowercased(), ["auto_reply", "bulk", "junk"].contains(precedence) {
            return .autoReply
        }
        let subject = headers.subject.lowercased()
        let outOfOffice = ["out of office", "out of the office", "automatic reply", "auto-reply", "auto reply", "autoreply",
                           "absence du bureau", "réponse automatique", "reponse automatique", "absent du bureau", "en congé"]
        if outOfOffice.contains(where: subject.contains) { return .autoReply }
        return .reply
    }
}
