import Foundation

/// What a bounce says (RFC 3464 `message/delivery-status`, and the usual non-standard
/// forms best effort): which recipient failed, with which status and words, and the
/// Message-ID of the message that bounced (from its returned headers). Read from the
/// first part of the body only; nothing of it is stored but these facts.
public struct DeliveryStatusReport: Sendable, Equatable {
    /// Recipients that failed (lower-cased addresses).
    public var recipients: [String] = []
    /// The first permanent status ("5.1.1"), if any.
    public var status: String?
    /// The server's words ("550 5.1.1 user unknown").
    public var diagnostic: String?
    /// Message-IDs of the returned original (without angle brackets).
    public var originalMessageIDs: [String] = []

    /// How much of the body is read.
    public static let readLimit = 64 * 1024

    public init(body: String) {
        let text = String(body.prefix(Self.readLimit))
        for line in text.split(whereSeparator: \.isNewline) {
            let lower = line.lowercased()
            if lower.hasPrefix("final-recipient:") || lower.hasPrefix("original-recipient:") {
                for address in MailHeaders.addresses(in: String(line)) where !recipients.contains(address) {
                    recipients.append(address)
                }
            } else if lower.hasPrefix("status:"), status == nil {
                let value = line.dropFirst("status:".count).trimmingCharacters(in: .whitespaces)
                if value.hasPrefix("5") { status = value }
            } else if lower.hasPrefix("diagnostic-code:"), diagnostic == nil {
                let value = line.dropFirst("diagnostic-code:".count).trimmingCharacters(in: .whitespaces)
                diagnostic = value.split(separator: ";", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
            } else if lower.hasPrefix("message-id:") {
                let id = line.dropFirst("message-id:".count).trimmingCharacters(in: CharacterSet(charactersIn: "<> \t"))
                if id.contains("@") { originalMessageIDs.append(id) }
            }
        }
        // A non-standard bounce (Exim, qmail, Gmail…): the failed addresses stand alone on
        // their lines before the copy of the message ("  ada@example.com",
        // "<ada@example.com>:").
        if recipients.isEmpty {
            for line in text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("---") || trimmed.lowercased().hasPrefix("return-path:") { break }
                if trimmed.wholeMatch(of: /<?[^<>\s@]+@[^<>\s@]+\.[A-Za-z]{2,}>?:?/) != nil {
                    let address = trimmed.trimmingCharacters(in: CharacterSet(charactersIn: "<>: ")).lowercased()
                    if !recipients.contains(address) { recipients.append(address) }
                }
            }
        }
        // Or "<ada@example.com>: 550 user unknown" lines.
        if recipients.isEmpty {
            for match in text.matches(of: /<([^<>\s@]+@[^<>\s]+)>:?\s*(\d{3}[^\r\n]*)/) {
                recipients.append(String(match.output.1).lowercased())
                if diagnostic == nil { diagnostic = String(match.output.2).trimmingCharacters(in: .whitespaces) }
            }
        }
    }

    /// "550 5.1.1 user unknown", the status, or nil.
    public var reason: String? { diagnostic ?? status }
}
