import Foundation

/// Where Relance keeps things by default, from the XDG base directories, shared by the
/// daemon and every client so both look in the same place.
public struct RelancePaths: Sendable, Equatable {
    public var environment: [String: String]
    public var uid: UInt32

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, uid: UInt32 = getuid()) {
        self.environment = environment
        self.uid = uid
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
        return "/tmp/relance-\(uid)/" + ControlInterface.name
    }
}
