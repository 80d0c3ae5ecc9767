import Foundation

/// Where Relance keeps things by default, from the XDG base directories, shared by the
/// daemon and every client so both look in the same place.
public struct RelancePaths: Sendable, Equatable {
    public var environment: [String: String]
    public var uid: UInt32
    /// Where the fallback socket directory goes (`/tmp`; tests give their own).
    public var sharedTemporary: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, uid: UInt32 = getuid(),
                sharedTemporary: String = "/tmp") {
        self.environment = environment
        self.uid = uid
        self.sharedTemporary = sharedTemporary
    }

    private var home: String { environment["HOME"] ?? NSHomeDirectory() }

    private func xdg(_ variable: String, default relative: String) -> String {
        if let value = environment[variable], value.hasPrefix("/") { return value }
        return (home as NSString).appendingPathComponent(relative)
    }

    /// `$XDG_CONFIG_HOME/relance/config.toml`.
    public var configFile: String { xdg("XDG_CONFIG_HOME", default: ".config") + "/relance/config.toml" }

    /// `$XDG_STATE_HOME/relance/relance.sqlite`.
    public var database: String { xdg("XDG_STATE_HOME", default: ".local/state") + "/relance/relance.sqlite" }

    /// `$XDG_RUNTIME_DIR/relance/io.relance.Control`; without a runtime directory (a bare
    /// root shell, a container) `/tmp/relance-UID/io.relance.Control`.
    public var controlSocket: String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") {
            return runtime + "/relance/" + ControlInterface.name
        }
        return fallbackDirectory + "/" + ControlInterface.name
    }

    /// `/tmp/relance-UID`: a name any local user could take first.
    public var fallbackDirectory: String { "\(sharedTemporary)/relance-\(uid)" }

    /// For a socket in the shared `/tmp` fallback: its directory must be a real
    /// directory (not a symlink), owned by this uid, with no access for anyone else —
    /// otherwise another local user who created it first could put their own socket
    /// there and read our calls. Sockets elsewhere (the runtime directory, a path given
    /// on purpose) are not checked.
    public func checkSocketDirectory(of socketPath: String) throws(UnsafeSocketDirectory) {
        let directory = URL(fileURLWithPath: socketPath).deletingLastPathComponent().path
        guard directory == fallbackDirectory else { return }
        var info = stat()
        guard lstat(directory, &info) == 0 else { return }  // not there yet: the daemon makes it
        let problem: String? =
            (info.st_mode & S_IFMT) == S_IFLNK ? "is a symbolic link"
            : (info.st_mode & S_IFMT) != S_IFDIR ? "is not a directory"
            : info.st_uid != uid ? "belongs to uid \(info.st_uid), not to you (uid \(uid))"
            : info.st_mode & 0o077 != 0 ? "is open to other users (mode \(String(info.st_mode & 0o777, radix: 8)), not 700)"
            : nil
        if let problem { throw UnsafeSocketDirectory(path: directory, problem: problem) }
    }
}

/// The socket's directory cannot be trusted; says why and what to do.
public struct UnsafeSocketDirectory: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let problem: String
    public init(path: String, problem: String) { self.path = path; self.problem = problem }
    public var description: String {
        "\(path) \(problem): another user could impersonate relanced there. Remove it if it is not yours (or ask an administrator), "
            + "or set XDG_RUNTIME_DIR to a private directory, or give --socket"
    }
}
