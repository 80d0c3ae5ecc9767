import Foundation
import RelanceAPI
import RelanceCore
import RelanceDelivery
import RelanceTeamStore

// A team user's own delivery address (issue #16: "delivery goes to the owner's channels
// only"): set by the user themself, kept in the shared database so every node mails
// their reminders to it.

extension TeamControlService {
    /// Registers GetMe, SetMyMail and SetMyZone.
    static func registerUserHandlers(_ handlers: inout ControlHandlers<Call>) {
        handlers.register(GetMe.self, readOnly: true) { call, _ in
            let user = try call.teamUser()
            // One read of the preferences: the caller's rules are made from them here.
            let (zone, window) = try call.service.store.preferences(of: user)
            let rules = TeamStore.rules(call.service.rules(), inZoneNamed: zone, window: window)
            return GetMe.Reply(user: user, mail: try call.service.store.mail(of: user), zone: zone,
                               timeZone: rules.userZone.identifier, window: window?.description)
        }
        handlers.register(SetMyMail.self, readOnly: false) { call, p in try call.service.setMyMail(p, user: try call.teamUser()) }
        handlers.register(SetMyZone.self, readOnly: false) { call, p in try call.service.setMyZone(p, user: try call.teamUser()) }
        handlers.register(SetMyWindow.self, readOnly: false) { call, p in try call.service.setMyWindow(p, user: try call.teamUser()) }
    }

    /// A user's own window (issue #16), as `[window]` reads days and hours; kept in the
    /// shared database, the reminders they own re-planned by it. A mistake changes nothing.
    private func setMyWindow(_ p: SetMyWindow.Parameters, user: String) throws -> SetMyWindow.Reply {
        let window = p.days == nil && p.hours == nil && p.off == nil
            ? nil : try UserWindow.parse(days: p.days, hours: p.hours, off: p.off ?? false)
        let (stored, changes) = try store.setWindow(of: user, to: window, rules: rules(), at: clock.now())
        logger.info("\(user) set their delivery window to \(stored?.description ?? "the node's"); re-planned \(changes.scheduled.count) reminder(s)",
                    metadata: ["team_user": "\(user)"])
        return SetMyWindow.Reply(user: user, window: stored?.description)
    }

    /// A user's own zone (issue #16): checked here as every node will read it, kept in the
    /// shared database; the reminders they own are re-planned in it (the node's rules,
    /// read in their zone by the store). Unknown names change nothing.
    private func setMyZone(_ p: SetMyZone.Parameters, user: String) throws -> SetMyZone.Reply {
        let zone = try p.zone.map(Self.zoneName)
        let (stored, changes) = try store.setZone(of: user, to: zone, rules: rules(), at: clock.now())
        logger.info("\(user) set their time zone to \(stored ?? "the node's"); re-planned \(changes.scheduled.count) reminder(s)",
                    metadata: ["team_user": "\(user)"])
        digest?.wake()
        return SetMyZone.Reply(user: user, zone: stored, timeZone: stored ?? self.zone().identifier)
    }

    /// The IANA name as Foundation knows it (its own spelling: "europe/paris" becomes
    /// "Europe/Paris"); InvalidParameter otherwise. Abbreviations ("CET", "EST") are
    /// refused: they name no place, so they do not follow its daylight-saving changes.
    static func zoneName(_ text: String) throws -> String {
        let name = text.trimmingCharacters(in: .whitespaces)
        let known = TimeZone.knownTimeZoneIdentifiers
        guard let match = known.first(where: { $0 == name }) ?? known.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }),
              TimeZone(identifier: match) != nil else {
            throw ControlError.invalidParameter("zone", reason: "'\(text)' is no IANA time zone; give a name such as Europe/Paris or America/New_York (see timedatectl list-timezones)")
        }
        return match
    }

    /// Characters in `SetMyMail`'s text, display name included.
    static let maximumAddressLength = 320

    private func setMyMail(_ p: SetMyMail.Parameters, user: String) throws -> SetMyMail.Reply {
        let mail = try p.mail.map(Self.deliveryAddress)
        let stored = try store.setMail(of: user, to: mail, at: clock.now())
        logger.info("\(user) set their delivery address to \(stored ?? "none")", metadata: ["team_user": "\(user)"])
        digest?.wake()
        return SetMyMail.Reply(user: user, mail: stored)
    }

    /// The text, trimmed, once it parses as the mail channel will parse it when it sends
    /// (`MailAddress`); InvalidParameter saying why otherwise. Kept as written rather than
    /// re-rendered: a quoted name (`"Martin, Lea" <lea@example.org>`) parses again only
    /// with its quotes.
    static func deliveryAddress(_ text: String) throws -> String {
        // An address is at most 254 bytes (RFC 5321 §4.5.3.1.3); a name beside it, a line.
        guard text.count <= Self.maximumAddressLength else {
            throw ControlError.invalidParameter("mail", reason: "at most \(Self.maximumAddressLength) characters, name included; give name@example.org or Name <name@example.org>")
        }
        do {
            _ = try MailAddress(parsing: text)
            return text.trimmingCharacters(in: .whitespaces)
        } catch let error as ChannelError {
            throw ControlError.invalidParameter("mail", reason: error.message)
        }
    }
}
