import Foundation
import RelanceChannels
import RelanceTestKit

/// A notification for tests; everything but the interesting part defaulted.
func sampleNotification(inboxItemID: Int64 = 42, kind: String = "follow_up",
                        title: String = "Suivi — Ada Lovelace",
                        body: String = "You wrote to Ada Lovelace on 2 November about the analytical engine.\nNo reply yet: a short, kind follow-up?") -> ReminderNotification {
    ReminderNotification(inboxItemID: inboxItemID, reminderID: 7, kind: kind, title: title, body: body,
                                 dueAt: instant("2026-11-12T09:00:00Z"), firedAt: instant("2026-11-12T09:00:02Z"))
}

/// A rendered message split into unfolded header fields and body lines.
struct ParsedMail {
    /// (name, value) in order, folding removed (CRLF before whitespace deleted).
    var fields: [(name: String, value: String)] = []
    var bodyLines: [String] = []

    init(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let header = parts[0].replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: "\t")
        for line in header.components(separatedBy: "\r\n") {
            let colon = line.firstIndex(of: ":")!
            fields.append((String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...])))
        }
        bodyLines = parts.dropFirst().joined(separator: "\r\n\r\n").components(separatedBy: "\r\n")
        if bodyLines.last == "" { bodyLines.removeLast() }
    }

    func value(_ name: String) -> String? { fields.first { $0.name.lowercased() == name.lowercased() }?.value }
}

/// Decodes RFC 2047 `=?UTF-8?B?…?=` words (the only form we write); whitespace between
/// adjacent encoded words is dropped, as RFC 2047 §6.2 says.
func decodeEncodedWords(_ text: String) -> String {
    let pattern = try! NSRegularExpression(pattern: "=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]*)\\?=(\\s+(?==\\?UTF-8\\?B\\?))?")
    var result = ""
    var last = text.startIndex
    for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
        let whole = Range(match.range, in: text)!
        result += text[last..<whole.lowerBound]
        let payload = String(text[Range(match.range(at: 1), in: text)!])
        result += String(decoding: Data(base64Encoded: payload)!, as: UTF8.self)
        last = whole.upperBound
    }
    return result + text[last...]
}

/// Quoted-printable decoding (RFC 2045 §6.7) for checking that wrapping lost nothing.
func decodeQuotedPrintable(_ lines: [String]) -> String {
    var bytes: [UInt8] = []
    for (index, line) in lines.enumerated() {
        var utf8 = Array(line.utf8)
        let soft = utf8.last == UInt8(ascii: "=")
        if soft { utf8.removeLast() }
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "="), i + 2 < utf8.count + 0, let byte = UInt8(String(decoding: utf8[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                bytes.append(byte); i += 3
            } else {
                bytes.append(utf8[i]); i += 1
            }
        }
        if !soft, index < lines.count - 1 { bytes += [0x0A] }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Awaits `operation`, failing with a timeout after `seconds`.
func withTimeout<T: Sendable>(_ seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TestFailure("timed out after \(seconds) s")
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}
