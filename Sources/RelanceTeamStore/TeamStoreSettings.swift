import Foundation

/// Where the team database is and how to reach it, from `[store] url`.
///
/// The URL is libpq's: `postgresql://USER@HOST:PORT/DB?sslmode=require`, or a Unix
/// socket folder in `host=` (`postgresql://relance@/relance?host=/run/postgresql`). The
/// password never sits in the URL: it is read from `password_file` (or, under systemd,
/// `$CREDENTIALS_DIRECTORY/relance-postgres`).
public struct TeamStoreSettings: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The socket file itself (`<folder>/.s.PGSQL.<port>`).
        case unixSocket(path: String)
    }

    /// libpq's `sslmode`, the three values that mean something here.
    public enum TLSMode: String, Sendable, Equatable {
        /// No TLS (the default on a Unix socket, where there is nothing to protect).
        case disable
        /// TLS, the server's certificate and name verified (the default over TCP).
        case verifyFull = "verify-full"
        /// TLS, the certificate verified (libpq's `require` does not verify; ours does).
        case require
    }

    public var endpoint: Endpoint
    public var user: String
    public var database: String
    public var password: String?
    public var tls: TLSMode
    /// This node's name, recorded on what it fires (defaults to the host name).
    public var node: String
    /// How long a delivery job this node claimed stays its own (`[store] delivery_lease`):
    /// past it, another node may send the job (this one died mid-send, or hangs). Longer
    /// than any one attempt may take, so two nodes never send a job at once.
    public var deliveryLease: TimeInterval = TeamStoreSettings.defaultDeliveryLease

    /// How many connections this node may open for its calls (`[store] pool_size`): calls
    /// beyond it wait for one to be free. Plus one, always, for listening.
    public var poolSize = TeamStoreSettings.defaultPoolSize

    public static let defaultPoolSize = 4

    /// Two minutes: longer than the delivery service's limit on one attempt (90 s).
    public static let defaultDeliveryLease: TimeInterval = 120

    public init(endpoint: Endpoint, user: String, database: String, password: String? = nil,
                tls: TLSMode = .disable, node: String = ProcessInfo.processInfo.hostName) {
        self.endpoint = endpoint; self.user = user; self.database = database
        self.password = password; self.tls = tls; self.node = node
    }

    /// Reads `url` (see the type's comment). Errors say what is wrong and what to write.
    public init(url: String, password: String? = nil, node: String = ProcessInfo.processInfo.hostName) throws {
        guard let components = URLComponents(string: url),
              ["postgresql", "postgres"].contains(components.scheme ?? "") else {
            throw TeamStoreError.invalidURL(url, reason: "it must start with postgresql://, as postgresql://relance@db.example/relance")
        }
        if components.password != nil {
            throw TeamStoreError.invalidURL(url, reason: "it holds a password: put it in a file named by [store] password_file instead")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        for name in query.keys where !["host", "port", "sslmode"].contains(name) {
            throw TeamStoreError.invalidURL(url, reason: "unknown parameter '\(name)' (known: host, port, sslmode)")
        }
        var port = components.port ?? 5432
        if let text = query["port"] {
            guard let number = Int(text), (1...65535).contains(number) else {
                throw TeamStoreError.invalidURL(url, reason: "port=\(text) is not a port number (1-65535)")
            }
            port = number
        }
        let endpoint: Endpoint
        if let folder = query["host"], folder.hasPrefix("/") {
            endpoint = .unixSocket(path: "\(folder)/.s.PGSQL.\(port)")
        } else if let host = query["host"] ?? components.host, !host.isEmpty {
            endpoint = .tcp(host: host, port: port)
        } else {
            throw TeamStoreError.invalidURL(url, reason: "it names no host (postgresql://relance@HOST/relance, or ?host=/socket/folder)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw TeamStoreError.invalidURL(url, reason: "it names no user (postgresql://USER@host/database)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw TeamStoreError.invalidURL(url, reason: "it names no database (postgresql://user@host/DATABASE)")
        }
        let isSocket = if case .unixSocket = endpoint { true } else { false }
        let mode = query["sslmode"] ?? (isSocket ? "disable" : "verify-full")
        guard let tls = TLSMode(rawValue: mode) else {
            throw TeamStoreError.invalidURL(url, reason: "sslmode=\(mode) is not one of disable, require, verify-full")
        }
        self.init(endpoint: endpoint, user: user, database: database, password: password, tls: tls, node: node)
    }
}

/// Why the team store refused or failed.
public enum TeamStoreError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String, reason: String)
    /// The database cannot be reached (down, refused, cut): reads and writes wait for it.
    case unavailable(String)
    /// Another running node of the team holds this node's name (`TeamStore.holdNodeName`).
    case nodeNameTaken(String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason): "[store] url = \"\(url)\": \(reason)"
        case .unavailable(let reason): "the team database is unavailable: \(reason)"
        case .nodeNameTaken: "[store] node: \(reason)"
        }
    }

    /// What is wrong, without the URL (for messages that already say where).
    public var reason: String {
        switch self {
        case .invalidURL(_, let reason), .unavailable(let reason): reason
        case .nodeNameTaken(let node):
            "another node of this team is running as \"\(node)\" (it holds that name on the team database); give each node its own [store] node (the default is the host name), or stop the other one first"
        }
    }
}
