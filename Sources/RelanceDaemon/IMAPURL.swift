import Foundation
import RelanceCore

/// Reads `[mail_watch] imap_url`: `imaps://user@host[:port]` (TLS at once, port 993) or
/// `imap://user@host[:port]` (STARTTLS, required, port 143). A user name with an `@`
/// (most providers' logins are addresses) is written `%40` or as is: the last `@` ends it.
enum IMAPURL {
    struct Failure: Error, Equatable { var reason: String }

    static func parse(_ text: String) throws(Failure) -> IMAPEndpoint {
        let security: IMAPEndpoint.Security
        let rest: Substring
        if text.lowercased().hasPrefix("imaps://") {
            security = .implicitTLS; rest = text.dropFirst(8)
        } else if text.lowercased().hasPrefix("imap://") {
            security = .startTLS; rest = text.dropFirst(7)
        } else {
            throw Failure(reason: "must start with imaps:// (TLS, port 993) or imap:// (STARTTLS, port 143)")
        }
        guard !rest.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw Failure(reason: "must not contain spaces or control characters")
        }
        var authority = rest
        if let slash = authority.firstIndex(of: "/") {
            guard authority[slash...].allSatisfy({ $0 == "/" }) else {
                throw Failure(reason: "name the folders with imap_inbox and imap_sent, not in the URL")
            }
            authority = authority[..<slash]
        }
        guard let at = authority.lastIndex(of: "@") else {
            throw Failure(reason: "needs the user name: imaps://you@imap.example.com")
        }
        let userPart = authority[..<at]
        guard !userPart.contains(":") else {
            throw Failure(reason: "must not hold a password (user:password@…): put it in imap_password_file")
        }
        guard let user = String(userPart).removingPercentEncoding, !user.isEmpty else {
            throw Failure(reason: "needs the user name: imaps://you@imap.example.com")
        }
        var hostPart = authority[authority.index(after: at)...]
        var port: UInt16 = security == .implicitTLS ? 993 : 143
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { throw Failure(reason: "an IPv6 address needs its closing ]") }
            let after = hostPart[hostPart.index(after: close)...]
            if after.hasPrefix(":") { port = try Self.port(after.dropFirst()) } else if !after.isEmpty {
                throw Failure(reason: "unexpected '\(after)' after the address")
            }
            hostPart = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
        } else if let colon = hostPart.lastIndex(of: ":") {
            port = try Self.port(hostPart[hostPart.index(after: colon)...])
            hostPart = hostPart[..<colon]
        }
        guard !hostPart.isEmpty else { throw Failure(reason: "needs a host: imaps://you@imap.example.com") }
        return IMAPEndpoint(host: String(hostPart), port: port, security: security, username: user)
    }

    private static func port(_ text: Substring) throws(Failure) -> UInt16 {
        guard let value = UInt16(text), value > 0 else { throw Failure(reason: "'\(text)' is not a port from 1 to 65535") }
        return value
    }
}
