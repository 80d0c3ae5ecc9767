import Foundation
import Logging
import RelanceChannels
import RelanceDaemon

/// Builds the configured delivery channels (main wires the effects; the daemon only
/// knows the C-free `DeliveryChannel` protocol). Problems that only show when sending
/// (no session bus, an unreadable password file) are left to `probe` and the retries;
/// those that are plainly wrong (a bad address) fail the start or the reload here.
enum ChannelFactory {
    static func make(_ settings: ChannelSettings, logger: Logger,
                     onAction: @escaping @Sendable (UInt32, String) -> Void,
                     onClosed: @escaping @Sendable (UInt32, String) -> Void) throws -> DeliveryChannels {
        var built = DeliveryChannels()
        if settings.desktop {
            built.channels.append(DesktopChannel(logger: logger, onAction: onAction, onClosed: { id, reason in
                onClosed(id, reason.description)
            }))
        }
        if let mail = settings.mail {
            let transport: any MailTransport
            switch mail.transport {
            case .sendmail(let path, let arguments):
                transport = SendmailTransport(path: path, arguments: arguments, timeout: mail.timeout)
            case .smtp(let url, let username, let passwordFile, let caFile):
                transport = try SMTPTransport(url: url, username: username, passwordFile: passwordFile, caFile: caFile,
                                              connectTimeout: min(.seconds(15), mail.timeout), timeout: mail.timeout,
                                              heloName: ProcessInfo.processInfo.hostName)
            }
            let channel = try MailChannel(transport: transport, from: try MailAddress(parsing: mail.from),
                                          to: try mail.to.map { try MailAddress(parsing: $0) },
                                          hostname: ProcessInfo.processInfo.hostName)
            if mail.mode != .digest { built.channels.append(channel) }
            if mail.mode != .each { built.digest = channel }
        }
        return built
    }
}
