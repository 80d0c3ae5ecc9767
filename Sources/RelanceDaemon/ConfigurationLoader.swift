import Foundation
import RelanceCalendar
import RelanceCore
import RelanceTeamStore
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
    /// Reads a file somewhere the process can survive it before it is read here (relanced
    /// sets it, once, before anything runs): TOMLKit's toml++ aborts the process on some
    /// malformed files instead of reporting them, so a typo must not take the daemon down
    /// on a reload. Returns the error to report, or nil when the file can be read here.
    nonisolated(unsafe) public static var preflight: (@Sendable (String) -> ConfigurationError?)?

    /// Loads `path`; a missing file gives the defaults when `required` is false.
    public static func load(path: String, required: Bool) throws(ConfigurationError) -> Configuration {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !required && !FileManager.default.fileExists(atPath: path) { return Configuration() }
            throw ConfigurationError(path: path, line: nil, message: "cannot read the file (does it exist, and may I read it?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(path: path, line: nil, message: "not UTF-8 text")
        }
        if let error = preflight?(path) { throw error }
        return try parse(text, path: path)
    }

    /// Parses configuration text; `path` is only for messages.
    public static func parse(_ text: String, path: String) throws(ConfigurationError) -> Configuration {
        let table: TOMLTable
        try checkTableHeaders(text, path: path)
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

    /// Refuses a table header whose name starts with a character no TOML name can start
    /// with (`[<`), before TOMLKit sees it: its toml++ asserts on that instead of
    /// reporting an error, which aborted the daemon at start or on reload (found by
    /// fuzzing). Every line is checked, even inside a multi-line string: a pitch line
    /// starting with "[<" is refused rather than risk the abort.
    static func checkTableHeaders(_ text: String, path: String) throws(ConfigurationError) {
        // isNewline, not "\n": Swift keeps "\r\n" as one Character (a CRLF file hid `[\u{18}`).
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        for (index, line) in lines.enumerated() {
            // toml++ skips a byte-order mark before the first line (it hid `[\u{1}`).
            let trimmed = line.drop { $0 == " " || $0 == "\t" || (index == 0 && $0 == "\u{FEFF}") }
            guard trimmed.first == "[" else { continue }
            let name = trimmed.dropFirst(trimmed.hasPrefix("[[") ? 2 : 1).drop { $0 == " " || $0 == "\t" }
            // A line starting with "[" is a table header here (the schema has no arrays of
            // arrays): its name starts with a bare-key character or a quote.
            if let first = name.first, (first.isASCII && (first.isLetter || first.isNumber)) || "_-\"']".contains(first) { continue }
            let what = name.first.map { "'\($0)'" } ?? "the end of the line"
            throw ConfigurationError(path: path, line: index + 1,
                                     message: "a table name cannot start with \(what): write it as [section] or [\"quoted name\"]")
        }
    }

    /// Walks the parsed table section by section, so every message can name its line.
    struct Reader {
        let table: TOMLTable
        let lines: [String]
        let path: String
        /// Reads the dates of a holidays .ics file (libical, yearly rules expanded).
        var holidayReader: (String) throws -> [LocalDate] = { try HolidayCalendar.holidays(fromICS: $0) }

        static let weekdays = Weekday.allCases.map(\.name)
        static let sections: [String: Set<String>] = [
            "store": ["database", "keep_snapshots_days", "url", "password_file", "node", "delivery_lease", "pool_size"],
            "control": ["socket", "max_connections", "idle_timeout_seconds"],
            "user": ["time_zone", "name", "pitch", "language", "email"],
            "calendar": ["days_off", "holidays", "holidays_file"],
            "window": Set(["enabled", "days", "hours"] + weekdays),
            "follow_up": ["policy", "steps", "let_go", "delay", "polite_time", "after_return"],
            "meetings": ["leave_before", "thank_you", "near_start"],
            "events": ["reminders", "log_people"],
            "desktop": ["enabled", "user"],
            "export": ["calendar_file"],
            "mail_watch": ["sent", "inbox", "sent_folder", "imap_url", "imap_password_file", "imap_inbox", "imap_sent",
                           "imap_ca_file", "imap_recheck_seconds"],
            "sync": ["calendars", "contacts", "publish"],
            "team": ["users"],
            "mail": ["enabled", "transport", "sendmail", "url", "username", "password_file", "ca_file", "from", "to",
                     "mode", "digest_time", "timeout"],
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
            configuration.teamStore = try teamStoreSettings()
            if let days = try wholeNumber("store", "keep_snapshots_days", in: 1...3650, "a whole number of days", example: 14) {
                configuration.keepSnapshotsDays = days
            }
            if let socket = try string("control", "socket") { configuration.socketPath = expand(socket) }
            if let count = try wholeNumber("control", "max_connections", in: 1...65_536, "a whole number", example: 256) {
                configuration.maximumConnections = count
            }
            if let seconds = try wholeNumber("control", "idle_timeout_seconds", in: 1...86_400, "a whole number of seconds", example: 300) {
                configuration.idleTimeoutSeconds = seconds
            }

            // The system's zone unless configured, by its IANA name (`TZ=UTC` is Etc/UTC, not GMT).
            var zone = ZoneName.iana(.current)
            if let name = try string("user", "time_zone") {
                guard let parsed = TimeZone(identifier: name) else {
                    throw error(section: "user", key: "time_zone", "'\(name)' is not an IANA time zone (e.g. Europe/Paris)")
                }
                zone = ZoneName.iana(parsed)
            }

            var calendar = BusinessCalendar()
            if let days = try strings("calendar", "days_off") {
                calendar.daysOff = Set(try days.map { day throws(ConfigurationError) in try weekday(day, "calendar", "days_off") })
                if calendar.daysOff.count == 7 {
                    throw error(section: "calendar", key: "days_off", "every day is a day off; keep at least one working day")
                }
            }
            for text in try strings("calendar", "holidays") ?? [] {
                guard let day = LocalDate(text) else {
                    throw error(section: "calendar", key: "holidays", "'\(text)' is not a date like 2026-12-25")
                }
                calendar.holidays.insert(day)
            }
            if let file = try string("calendar", "holidays_file") {
                let path = expand(file)
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw error(section: "calendar", key: "holidays_file", "cannot read \(path)")
                }
                do {
                    calendar.holidays.formUnion(try holidayReader(text))
                } catch {
                    throw self.error(section: "calendar", key: "holidays_file", "\(path): \(error)")
                }
            }

            var window = DeliveryWindow(timeZone: zone, holidays: calendar.holidays)
            if let enabled = try bool("window", "enabled") { window.isEnabled = enabled }
            let days = try strings("window", "days").map { list throws(ConfigurationError) in
                try list.map { day throws(ConfigurationError) in try weekday(day, "window", "days") }
            }
            // "wed" and "wednesday" are one day: found by fuzzing, it trapped building the window.
            if let days, let repeated = days.first(where: { day in days.filter { $0 == day }.count > 1 }) {
                throw error(section: "window", key: "days", "\(repeated.name) is listed twice: list each day once")
            }
            if let hours = try strings("window", "hours") {
                let ranges = try hours.map { text throws(ConfigurationError) in try range(text, "window", "hours") }
                window.hours = [:]
                for day in days ?? [.monday, .tuesday, .wednesday, .thursday, .friday] { window.hours[day] = ranges }
            } else if let days {
                let office = DeliveryWindow.officeHours[.monday]!
                window.hours = Dictionary(uniqueKeysWithValues: days.map { ($0, office) })
            }
            for day in Weekday.allCases {
                if let hours = try strings("window", day.name) {
                    window.hours[day] = try hours.map { text throws(ConfigurationError) in try range(text, "window", day.name) }
                }
            }

            var rules = TimingRules(userZone: zone, calendar: calendar, window: window)
            // One reading of a sequence, shared with LogOutreach: FollowUpPolicy.resolve.
            var nudges: [Wait]?
            if let delay = try string("follow_up", "delay") { nudges = [try wait(delay, "follow_up", "delay")] }
            if let steps = try strings("follow_up", "steps") {
                nudges = try steps.map { text throws(ConfigurationError) in try wait(text, "follow_up", "steps") }
            }
            var letGo: FollowUpPolicy.LetGo?
            if let text = try string("follow_up", "let_go") {
                letGo = text == "never" ? .never : .after(try wait(text, "follow_up", "let_go"))
            }
            let preset = try string("follow_up", "policy")
            do throws(FollowUpPolicy.PolicyError) {
                rules.followUp = try FollowUpPolicy.resolve(preset: preset, nudges: nudges, letGo: letGo, base: rules.followUp)
            } catch {
                let key = switch error.part { case .preset: "policy"; case .nudges: "steps"; case .letGo: "let_go" }
                throw self.error(section: "follow_up", key: key, error.part == .nudges
                                 ? "give at least one step, e.g. [\"7bd\", \"10bd\"]" : error.reason)
            }
            if let polite = try string("follow_up", "polite_time") {
                guard let time = LocalTimeOfDay(polite), time.hour < 24 else {
                    throw error(section: "follow_up", key: "polite_time", "'\(polite)' is not a time like 09:30")
                }
                rules.politeTime = time
            }
            if let days = try wholeNumber("follow_up", "after_return", in: 0...30, "a whole number of business days", example: 2) {
                rules.afterReturnBusinessDays = days
            }
            if let lead = try string("meetings", "leave_before") { rules.meetingLeaveLead = try duration(lead, "meetings", "leave_before") }
            if let thankYou = try bool("meetings", "thank_you") { rules.thankYouNote = thankYou }
            if let near = try string("meetings", "near_start") {
                let parsed = try duration(near, "meetings", "near_start")
                rules.nearStart = parsed.added(to: Date(timeIntervalSince1970: 0), in: TimeZone(identifier: "UTC")!).timeIntervalSince1970
            }
            if let reminders = try strings("events", "reminders") {
                rules.eventReminders = try reminders.map { text throws(ConfigurationError) in try duration(text, "events", "reminders") }
            }
            if let logPeople = try bool("events", "log_people") { rules.eventLogPeople = logPeople }
            configuration.rules = rules
            configuration.channels.desktopSetting = try bool("desktop", "enabled")
            configuration.calendarFile = try string("export", "calendar_file").map(expand)
            configuration.watchedInbox = try string("mail_watch", "inbox").map(expand)
            configuration.watchedSentFolder = try string("mail_watch", "sent_folder").map(expand)
            if let sent = try string("mail_watch", "sent") {
                guard let mode = SentMailMode(rawValue: sent) else {
                    throw error(section: "mail_watch", key: "sent", "'\(sent)' is not one of log, suggest, off")
                }
                configuration.sentMail = mode
            }
            configuration.sync = try syncSettings()
            configuration.userName = try string("user", "name")
            configuration.pitch = try string("user", "pitch")
            if let email = try string("user", "email") {
                do { try Validation.emailAddress(email, field: "email") } catch {
                    throw self.error(section: "user", key: "email", "'\(email)' is not an e-mail address (name@example.com)")
                }
                configuration.userEmail = email
            }
            if let language = try string("user", "language") {
                guard let value = DraftLanguage(rawValue: language.lowercased()) else {
                    throw error(section: "user", key: "language", "'\(language)' is not a draft language (en or fr)")
                }
                configuration.language = value
            }
            configuration.channels.mail = try mailSettings()
            if let lease = configuration.teamStore?.deliveryLease, let mail = configuration.channels.mail,
               lease <= Double(mail.timeout.components.seconds) {
                throw error(section: "store", key: "delivery_lease", "must be longer than [mail] timeout (\(mail.timeout.components.seconds) s): a job is held by one node for the lease, which must outlast a send")
            }
            configuration.imap = try imapSettings()
            configuration.teamUsers = try teamUsers(teamMode: configuration.teamStore != nil)
            configuration.channels.desktopUser = try desktopUser(configuration.teamUsers, teamMode: configuration.teamStore != nil)
            if configuration.teamStore != nil, configuration.nodeUser(uid: getuid()) == nil {
                // What a watched or followed folder brings must be someone's: refused, not
                // read as no one's.
                if configuration.watchedInbox != nil || configuration.watchedSentFolder != nil {
                    throw error(section: "mail_watch", key: configuration.watchedInbox != nil ? "inbox" : "sent_folder",
                                "a team node reads a Maildir as its team user, and uid \(getuid()) is none: run it as a uid under [team.users], or name the user with [desktop] user")
                }
                if configuration.imap != nil {
                    throw error(section: "mail_watch", key: "imap_url",
                                "a team node reads an IMAP account as its team user, and uid \(getuid()) is none: run it as a uid under [team.users], or name the user with [desktop] user")
                }
                if !configuration.sync.isEmpty {
                    throw error(section: "sync", key: nil, "a team node follows vdir folders as its team user, and uid \(getuid()) is none: run it as a uid under [team.users], or name the user with [desktop] user")
                }
            }
            return configuration
        }

        /// `[team.users]`: team user names to local uids, each name and uid once, only in
        /// team mode.
        private func teamUsers(teamMode: Bool) throws(ConfigurationError) -> TeamUsers {
            guard let team = table["team"]?.table, let value = team["users"] else { return TeamUsers() }
            guard let users = value.table else {
                throw error(section: "team", key: "users", "write the users as a table: [team.users] then one `name = uid` per line")
            }
            guard teamMode else {
                throw error(section: "team.users", key: nil, "[team.users] is for team mode: set [store] url = \"postgresql://…\" too")
            }
            var result = TeamUsers()
            for name in users.keys.sorted() {
                guard TeamUsers.isValidName(name) else {
                    throw error(section: "team.users", key: name, "'\(name)' is not a team user name: use 1 to 32 letters, digits, '-', '_' or '.'")
                }
                guard let uid = users[name]?.int, (0...Int(Int32.max)).contains(uid) else {
                    throw error(section: "team.users", key: name, "'\(name)' must be a local uid (a whole number, e.g. \(name) = 1000; see `id -u`)")
                }
                if let other = result.name(of: UInt32(uid)) {
                    throw error(section: "team.users", key: name, "uid \(uid) is given to both \(other) and \(name): one uid, one team user")
                }
                result.byUID[UInt32(uid)] = name
            }
            return result
        }

        /// `[desktop] user`: the team user whose screen a team node's desktop is, one of
        /// `[team.users]`.
        private func desktopUser(_ users: TeamUsers, teamMode: Bool) throws(ConfigurationError) -> String? {
            guard let user = try string("desktop", "user") else { return nil }
            guard teamMode else {
                throw error(section: "desktop", key: "user", "user is for a team node ([store] url = \"postgresql://…\"): a personal daemon's desktop is already yours; remove it")
            }
            guard users.byUID.values.contains(user) else {
                let names = users.byUID.values.sorted().joined(separator: ", ")
                throw error(section: "desktop", key: "user", "'\(user)' is no team user (\(users.isEmpty ? "[team.users] names nobody" : "[team.users] names \(names)")): name yours, or add it under [team.users]")
            }
            return user
        }

        /// `[mail]`, validated: nothing that could reach a header may hold a line break,
        /// and the password only ever comes from a file.
        private func mailSettings() throws(ConfigurationError) -> MailSettings? {
            guard table["mail"] != nil, try bool("mail", "enabled") ?? true else { return nil }
            guard let from = try string("mail", "from") else {
                throw error(section: "mail", key: nil, "[mail] needs from = \"Relance <you@example.com>\"")
            }
            let to = try strings("mail", "to") ?? []
            guard !to.isEmpty else { throw error(section: "mail", key: nil, "[mail] needs to = [\"you@example.com\"]") }
            for (key, value) in [("from", from)] + to.map({ ("to", $0) }) {
                guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw error(section: "mail", key: key, "'\(key)' must be one line without control characters")
                }
            }
            let transport: MailSettings.Transport
            switch try string("mail", "transport") ?? "sendmail" {
            case "sendmail":
                // A path (run as PATH -t -i), or the whole argument vector: never a shell.
                if let argv = table["mail"]?.table?["sendmail"]?.array != nil ? try strings("mail", "sendmail") : nil {
                    guard let first = argv.first else { throw error(section: "mail", key: "sendmail", "the command is empty") }
                    transport = .sendmail(path: expand(first), arguments: Array(argv.dropFirst()))
                } else {
                    transport = .sendmail(path: expand(try string("mail", "sendmail") ?? "/usr/sbin/sendmail"), arguments: ["-t", "-i"])
                }
            case "smtp":
                guard let url = try string("mail", "url") else {
                    throw error(section: "mail", key: "transport", "transport = \"smtp\" needs url = \"smtp://mail.example.com:587\"")
                }
                guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://") else {
                    throw error(section: "mail", key: "url", "'\(url)' must start with smtp:// (STARTTLS) or smtps://")
                }
                var passwordFile = try string("mail", "password_file").map(expand)
                let username = try string("mail", "username")
                if username != nil, passwordFile == nil,
                   let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] {
                    passwordFile = credentials + "/smtp-password"  // systemd LoadCredential=smtp-password:…
                }
                if username != nil && passwordFile == nil {
                    throw error(section: "mail", key: "username", "a username needs password_file (the password is never written in this file)")
                }
                transport = .smtp(url: url, username: username, passwordFile: passwordFile,
                                  caFile: try string("mail", "ca_file").map(expand))
            case let other:
                throw error(section: "mail", key: "transport", "'\(other)' is not sendmail or smtp")
            }
            var settings = MailSettings(transport: transport, from: from, to: to)
            if let mode = try string("mail", "mode") {
                guard let parsed = MailSettings.Mode(rawValue: mode) else {
                    throw error(section: "mail", key: "mode", "'\(mode)' is not one of each, digest, both")
                }
                settings.mode = parsed
            }
            if let timeout = try string("mail", "timeout") {
                let parsed = try duration(timeout, "mail", "timeout")
                let seconds = parsed.added(to: Date(timeIntervalSince1970: 0), in: TimeZone(identifier: "UTC")!).timeIntervalSince1970
                guard seconds >= 1 else { throw error(section: "mail", key: "timeout", "must be at least PT1S") }
                settings.timeout = .seconds(seconds)
            }
            if let time = try string("mail", "digest_time") {
                guard let parsed = LocalTimeOfDay(time), parsed.hour < 24 else {
                    throw error(section: "mail", key: "digest_time", "'\(time)' is not a time like 08:00")
                }
                settings.digestTime = parsed
            }
            return settings
        }

        /// `[sync]`: each folder an absolute path (or under ~), at most once, not a file;
        /// the published folder none of the followed ones (Relance would read back its own
        /// items) nor inside one.
        private func syncSettings() throws(ConfigurationError) -> SyncSettings {
            var settings = SyncSettings()
            var seen: [String: String] = [:]
            func folder(_ text: String, _ key: String) throws(ConfigurationError) -> String {
                var path = expand(text.trimmingCharacters(in: .whitespaces))
                while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
                guard path.hasPrefix("/") else {
                    throw error(section: "sync", key: key, "'\(text)' is not an absolute path: write it from / or ~, e.g. \"~/.local/share/vdirsyncer/calendars/work\"")
                }
                guard path != "/" else { throw error(section: "sync", key: key, "'\(text)' is the root directory, not a vdir folder") }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    throw error(section: "sync", key: key, "\(path) is a file: give the folder vdirsyncer keeps one .ics or .vcf per item in")
                }
                if let other = seen[path] {
                    throw error(section: "sync", key: key, "\(path) is listed twice (also in \(other)): each folder is followed once")
                }
                seen[path] = key
                return path
            }
            for text in try strings("sync", "calendars") ?? [] { settings.calendars.append(try folder(text, "calendars")) }
            for text in try strings("sync", "contacts") ?? [] { settings.contacts.append(try folder(text, "contacts")) }
            if let text = try string("sync", "publish") {
                let path = try folder(text, "publish")
                if let outer = (settings.calendars + settings.contacts).first(where: { path.hasPrefix($0 + "/") || $0.hasPrefix(path + "/") }) {
                    throw error(section: "sync", key: "publish", "\(path) and the followed folder \(outer) are inside one another: publish to a folder of its own (a calendar of its own on the server)")
                }
                settings.publish = path
            }
            return settings
        }

        /// `[mail_watch] imap_*`: a URL naming the user, host and port (never a password),
        /// TLS always (`imaps://` at once, `imap://` through STARTTLS), the password from a
        /// file, an optional CA file that must be readable.
        private func imapSettings() throws(ConfigurationError) -> IMAPSettings? {
            let others = ["imap_password_file", "imap_inbox", "imap_sent", "imap_ca_file", "imap_recheck_seconds"]
            guard let text = try string("mail_watch", "imap_url") else {
                if let stray = others.first(where: { table["mail_watch"]?.table?[$0] != nil }) {
                    throw error(section: "mail_watch", key: stray, "'\(stray)' needs imap_url = \"imaps://you@imap.example.com\"")
                }
                return nil
            }
            let endpoint: IMAPEndpoint
            do { endpoint = try IMAPURL.parse(text) } catch {
                throw self.error(section: "mail_watch", key: "imap_url", "'\(text)': \(error.reason)")
            }
            var passwordFile = try string("mail_watch", "imap_password_file").map(expand)
            if passwordFile == nil, let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"] {
                passwordFile = credentials + "/imap-password"  // systemd LoadCredential=imap-password:…
            }
            guard let passwordFile else {
                throw error(section: "mail_watch", key: "imap_url",
                            "imap_url needs imap_password_file = \"~/.config/relance/imap-password\" (the password is never written in this file)")
            }
            var settings = IMAPSettings(endpoint: endpoint, passwordFile: passwordFile)
            if let file = try string("mail_watch", "imap_ca_file") {
                let path = expand(file)
                guard FileManager.default.isReadableFile(atPath: path) else {
                    throw error(section: "mail_watch", key: "imap_ca_file", "cannot read \(path) (a PEM certificate of the authority to trust)")
                }
                settings.endpoint.caFile = path
            }
            for key in ["imap_inbox", "imap_sent"] {
                guard let name = try string("mail_watch", key) else { continue }
                guard !name.isEmpty, name.count <= 200,
                      !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw error(section: "mail_watch", key: key, "'\(key)' must be a folder name on one line, e.g. \(key == "imap_inbox" ? "INBOX" : "Sent")")
                }
                if key == "imap_inbox" { settings.inbox = name } else { settings.sent = name }
            }
            if settings.sent == settings.inbox {
                throw error(section: "mail_watch", key: "imap_sent", "imap_sent names the same folder as imap_inbox ('\(settings.inbox)')")
            }
            let range = IMAPTiming.recheckRange
            if let seconds = try wholeNumber("mail_watch", "imap_recheck_seconds", in: range, "a whole number of seconds", example: 300) {
                settings.recheck = .seconds(seconds)
            }
            return settings
        }

        private func weekday(_ text: String, _ section: String, _ key: String) throws(ConfigurationError) -> Weekday {
            guard let day = Weekday(name: text) else {
                throw error(section: section, key: key, "'\(text)' is not a day of the week (monday … sunday, or mon … sun)")
            }
            return day
        }

        private func range(_ text: String, _ section: String, _ key: String) throws(ConfigurationError) -> ClockRange {
            guard let range = ClockRange(text) else {
                throw error(section: section, key: key, "'\(text)' is not a range of hours like \"09:00-18:00\"")
            }
            return range
        }

        private func wait(_ text: String, _ section: String, _ key: String) throws(ConfigurationError) -> Wait {
            do { return try Wait(parsing: text) } catch { throw self.error(section: section, key: key, "\(error)") }
        }

        private func duration(_ text: String, _ section: String, _ key: String) throws(ConfigurationError) -> ISODuration {
            do { return try ISODuration(parsing: text) } catch { throw self.error(section: section, key: key, "\(error)") }
        }

        private func bool(_ section: String, _ key: String) throws(ConfigurationError) -> Bool? {
            guard let value = table[section]?.table?[key] else { return nil }
            guard let bool = value.bool else { throw error(section: section, key: key, "'\(key)' must be true or false") }
            return bool
        }

        private func strings(_ section: String, _ key: String) throws(ConfigurationError) -> [String]? {
            guard let value = table[section]?.table?[key] else { return nil }
            guard let array = value.array else {
                throw error(section: section, key: key, "'\(key)' must be a list of strings, e.g. [\"a\", \"b\"]")
            }
            var result: [String] = []
            for element in array {
                guard let string = element.string else {
                    throw error(section: section, key: key, "'\(key)' must be a list of strings (in quotes)")
                }
                result.append(string)
            }
            return result
        }

        /// A whole number within `range`; `what` is how the error names it ("a whole number of days").
        private func wholeNumber(_ section: String, _ key: String, in range: ClosedRange<Int>, _ what: String,
                                 example: Int) throws(ConfigurationError) -> Int? {
            guard let value = table[section]?.table?[key] else { return nil }
            guard let number = value.int, range.contains(number) else {
                throw error(section: section, key: key,
                            "'\(key)' must be \(what) from \(range.lowerBound) to \(range.upperBound), e.g. \(example)")
            }
            return number
        }

        /// `[store] url` (team mode, PostgreSQL): the URL checked here, the password read
        /// from `password_file` or `$CREDENTIALS_DIRECTORY/relance-postgres` (systemd
        /// `LoadCredential=`), the node named after the host unless `node` says otherwise.
        private func teamStoreSettings() throws(ConfigurationError) -> TeamStoreSettings? {
            guard let url = try string("store", "url") else {
                for key in ["password_file", "node", "delivery_lease", "pool_size"] where table["store"]?.table?[key] != nil {
                    throw error(section: "store", key: key, "\(key) is for team mode: set [store] url = \"postgresql://…\" too")
                }
                return nil
            }
            if try string("store", "database") != nil {
                throw error(section: "store", key: "url", "give either database (the personal SQLite file) or url (a team's PostgreSQL), not both")
            }
            var passwordFile = try string("store", "password_file").map(expand)
            if passwordFile == nil, let credentials = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"],
               FileManager.default.fileExists(atPath: credentials + "/relance-postgres") {
                passwordFile = credentials + "/relance-postgres"
            }
            var password: String?
            if let passwordFile {
                guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                    throw error(section: "store", key: "password_file", "cannot read \(passwordFile): check that it exists and the daemon's user may read it")
                }
                password = text.trimmingCharacters(in: .newlines)
            }
            var settings: TeamStoreSettings
            do {
                settings = try TeamStoreSettings(url: url, password: password)
                if let node = try string("store", "node") { settings.node = node }
            } catch let failure as TeamStoreError {
                throw error(section: "store", key: "url", failure.reason)
            } catch {
                throw self.error(section: "store", key: "url", "\(error)")
            }
            if let lease = try string("store", "delivery_lease") {
                let seconds = try duration(lease, "store", "delivery_lease")
                    .added(to: Date(timeIntervalSince1970: 0), in: TimeZone(identifier: "UTC")!).timeIntervalSince1970
                guard seconds >= 1 else { throw error(section: "store", key: "delivery_lease", "must be at least PT1S") }
                settings.deliveryLease = seconds
            }
            if let size = try wholeNumber("store", "pool_size", in: 1...64, "a whole number of connections", example: 4) {
                settings.poolSize = size
            }
            return settings
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
                var assigned = text.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                // A quoted key ("léa" = 1000) is the key without its quotes.
                if assigned.count >= 2, let quote = assigned.first, "\"'".contains(quote), assigned.last == quote {
                    assigned = String(assigned.dropFirst().dropLast())
                }
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
