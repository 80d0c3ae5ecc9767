import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceAPI
import VarlinkTransport

/// The daemon's control socket, personal or team: where it listens (the socket systemd
/// passed, or the configured path), with the configured limits, and the socket file's
/// identity, so that stopping removes the file only if it is still ours (not one a later
/// instance bound).
struct ControlSocket: Sendable {
    let service: ControlServerService
    private let path: String
    private let inherited: Bool
    private let identity: NIOLockedValueBox<UInt64?>

    /// `ready` runs once the socket listens, after the "ready" journal line. `teamUsers`
    /// (a team node's `[team.users]`, as reloaded) are served besides the daemon's user.
    init(serving handler: any VarlinkService, options: Daemon.Options, paths: RelancePaths, configuration: Configuration,
         teamUsers: (@Sendable () -> TeamUsers)? = nil,
         socketPath: String, logger: Logger, ready: @escaping @Sendable () -> Void) throws {
        var errors = ControlService.transportErrors
        let own: Set<uid_t> = [getuid(), 0]
        var allowed: @Sendable () -> Set<uid_t>?
        if options.systemMode {
            allowed = { nil }
        } else {
            allowed = { own }
        }
        var mode: mode_t = 0o600
        if let teamUsers {
            // A team node serves its team's local users: anyone may connect, SO_PEERCRED
            // decides (by [team.users] as it is now: a reload adds or removes users), and
            // a uid it does not name hears so.
            allowed = { own.union(teamUsers().byUID.keys) }
            errors.peerRefused = { ControlError.notATeamUser(uid: $0) }
            mode = 0o666
        }
        let endpoint: VarlinkServer.Endpoint
        if let descriptor = options.inheritedSocket {
            endpoint = .inherited(descriptor: descriptor)
        } else {
            try Daemon.prepareSocketDirectory(for: socketPath, paths: paths)
            endpoint = .path(socketPath, mode: mode)
        }
        let limits = VarlinkServer.Limits(maximumConnections: configuration.maximumConnections,
                                          idleTimeout: .seconds(configuration.idleTimeoutSeconds))
        let server = VarlinkServer(service: handler, errors: errors, limits: limits, allowedUIDs: allowed, logger: logger)
        let identity = NIOLockedValueBox<UInt64?>(nil)
        let inherited = options.inheritedSocket
        service = ControlServerService(server: server, endpoint: endpoint) {
            identity.withLockedValue { $0 = Daemon.inode(of: socketPath) }
            logger.notice("ready: listening on \(inherited.map { "inherited socket fd \($0)" } ?? socketPath)",
                          metadata: MessageID.ready.metadata)
            ready()
        }
        self.path = socketPath
        self.inherited = inherited != nil
        self.identity = identity
    }

    /// Removes the socket file if this daemon bound it and it is still the same file.
    func removeIfOurs() {
        if !inherited, let ours = identity.withLockedValue({ $0 }), Daemon.inode(of: path) == ours {
            unlink(path)
        }
    }
}
