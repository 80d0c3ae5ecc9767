import Foundation
import RelanceCore
import TOMLKit

/// A configuration problem, located: `path:line: message`.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based; nil when the problem is the file as a whole.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        line.map { "\(path):\($0): \(message)" } ?? "\(path): \(message)"
    }
}

/// Reads `config.toml` (TOML, see etc/relance/config.toml for every key).
public enum ConfigurationLoader {
    /// Loads `path`; a missing file gives the defaults when `required` is false.
    public static func load(path: String, required: Bool) throws(ConfigurationError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !required && !FileManager.default.fileExists(atPath: path) { return Configuration() }
            throw ConfigurationError(path: path, line: nil, message: "cannot read the file (does it exist, and may I read it?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(path: path, line: nil, message: "not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses configuration text; `path` is only for messages.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> Configuration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(path: path, line: error.source.begin.line, message: error.description)
        } catch {
            throw ConfigurationError(path: path, line: nil, message: "\(error)")
        }
        let reader = Reader(table: table, lines: text.components(separatedBy: "\n"), path: path)
        return try reader.configuration()
    }

    /// Walks the parsed table section by section, so every message can name its line.
    struct Reader {
        let table: TOMLTable
        let lines: [String]
        let path: String

        static let sections: [String: Set<String>] = [
            "store": ["database"],
            "control": ["socket"],
            "user": ["time_zone"],
            "follow_up": ["delay"],
        ]

        func configuration() throws(ConfigurationError) -> Configuration {
            var configuration = Configuration()
            let known = Self.sections.keys.sorted().map { "[\($0)]" }.joined(separator: ", ")
            for key in table.keys {
                guard let allowed = Self.sections[key] else {
                    if table[key]?.table != nil {
                        throw error(section: key, key: nil, "unknown section [\(key)]; known: \(known)")
                    }
                    throw error(section: nil, key: key, "unknown key '\(key)' outside any section; keys belong in \(known)")
                }
                guard let section = table[key]?.table else {
                    throw error(section: nil, key: key, "'\(key)' must be a section: write [\(key)] on its own line")
                }
                for name in section.keys where !allowed.contains(name) {
                    throw error(section: key, key: name, "unknown key '\(name)' in [\(key)]; known: \(allowed.sorted().joined(separator: ", "))")
                }
            }
            if let database = try string("store", "database") { configuration.databasePath = expand(database) }
            if let socket = try string("control", "socket") { configuration.socketPath = expand(socket) }
            if let zone = try string("user", "time_zone") {
                guard let timeZone = TimeZone(identifier: zone) else {
                    throw error(section: "user", key: "time_zone", "'\(zone)' is not an IANA time zone (e.g. Europe/Paris)")
                }
                configuration.timeZone = timeZone
            }
            if let delay = try string("follow_up", "delay") {
                do {
                    configuration.followUp = FollowUpPolicy(delay: try ISODuration(parsing: delay))
                } catch {
                    throw self.error(section: "follow_up", key: "delay", "\(error)")
                }
            }
            return configuration
        }

        private func string(_ section: String, _ key: String) throws(ConfigurationError) -> String? {
            guard let value = table[section]?.table?[key] else { return nil }
            guard let string = value.string else {
                throw error(section: section, key: key, "'\(key)' must be a string (in quotes)")
            }
            return string
        }

        private func expand(_ path: String) -> String {
            (path as NSString).expandingTildeInPath
        }

        /// Locates the offending line in the source text: `[section]` for a section, and
        /// for a key `key =` below its section's header, or written as `section.key =`,
        /// `[section.key]`, or inside an inline table on the section's line.
        func error(section: String?, key: String?, _ message: String) -> ConfigurationError {
            var line: Int?
            var current: String?
            for (index, raw) in lines.enumerated() {
                let text = raw.trimmingCharacters(in: .whitespaces)
                if text.hasPrefix("#") { continue }
                if text.hasPrefix("[") {
                    let name = text.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                    current = name
                    if let section, key == nil ? name == section : name == "\(section).\(key!)" {
                        line = index + 1
                        break
                    }
                    continue
                }
                guard let key else { continue }
                let assigned = text.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                let matches = (current == section && (assigned == key || assigned.hasPrefix(key + ".")))
                    || (current == nil && section != nil && assigned == "\(section!).\(key)")
                    || (current == nil && section != nil && assigned == section
                        && text.range(of: "\\b\(key)\\s*=", options: .regularExpression) != nil)
                if matches {
                    line = index + 1
                    break
                }
            }
            return ConfigurationError(path: path, line: line, message: message)
        }
    }
}
