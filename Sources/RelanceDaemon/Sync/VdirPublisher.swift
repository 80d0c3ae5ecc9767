import Dispatch
import Foundation
import Logging
import RelanceCore
import RelanceInterchange

/// Keeps a vdir (`[sync] publish`, issue #12) holding one .ics per meeting and per event
/// Relance owns, so vdirsyncer pushes them to the CalDAV server: a new or changed item is
/// written atomically (a temporary ".tmp" file, which vdirsyncer ignores, then renamed);
/// a cancelled one's file is deleted. Only files named `relance-*.ics` are Relance's:
/// items another client put in that calendar are never touched. A file whose content is
/// the same (its DTSTAMP aside) is not rewritten, so vdirsyncer uploads only changes.
final class VdirPublisher: Sendable {
    /// File names Relance writes start with this.
    static let prefix = "relance-"

    private let folder: String
    /// The wanted files: name (`relance-….ics`) → iCalendar text.
    private let render: @Sendable () throws -> [String: String]
    private let logger: Logger
    private let queue = DispatchQueue(label: "io.relance.vdir-publish")
    /// A burst of changes is gathered for `delay` seconds before the folder is written: at
    /// most one publication a second, as for `[export] calendar_file` (a catch-up of
    /// thousands of followed files signals a change per file).
    private let publications: CoalescedWork

    init(folder: String, delay: Double = 1, logger: Logger, render: @escaping @Sendable () throws -> [String: String]) {
        self.folder = folder
        self.render = render
        self.logger = logger
        publications = CoalescedWork(queue: queue, delay: delay)
    }

    /// Something changed: bring the folder up to date soon (once for a burst of changes).
    func setNeedsWrite() {
        publications.request { [self] in _ = publishOnQueue() }
    }

    /// What one publication did.
    struct Result: Equatable {
        var written: [String] = []
        var removed: [String] = []
    }

    /// Brings the folder up to date now, on the publisher's queue (one publication at a time).
    @discardableResult
    func publish() -> Result { queue.sync { publishOnQueue() } }

    private func publishOnQueue() -> Result {
        var result = Result()
        do {
            let wanted = try render()
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let present = try FileManager.default.contentsOfDirectory(atPath: folder)
                .filter { $0.hasPrefix(Self.prefix) && $0.hasSuffix(".ics") }
            for (name, text) in wanted.sorted(by: { $0.key < $1.key }) {
                let path = folder + "/" + name
                if let old = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }),
                   Self.comparable(old) == Self.comparable(text) { continue }
                try Self.writeAtomically(text, to: path)
                result.written.append(name)
            }
            for name in present where wanted[name] == nil {
                if unlink(folder + "/" + name) == 0 || errno == ENOENT { result.removed.append(name) }
            }
            if !result.written.isEmpty || !result.removed.isEmpty {
                logger.info("published to \(folder): \(result.written.count) written, \(result.removed.count) removed")
            }
        } catch {
            logger.error("cannot publish to \(folder): \(error)")
        }
        return result
    }

    /// The text without its DTSTAMP lines (they say when the file was written, not what changed).
    static func comparable(_ text: String) -> String {
        text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("DTSTAMP") }.joined(separator: "\n")
    }

    /// Writes a temporary file beside `path` (".tmp", which vdirsyncer skips) and renames it over `path`.
    static func writeAtomically(_ text: String, to path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".\(UUID().uuidString).tmp"
        try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot rename into \(path): \(reason)"])
        }
    }

    /// A file name for an item: `relance-<kind>-<digits and letters of key>.ics`, the key
    /// hashed when it holds other characters (a UID may hold anything).
    static func fileName(kind: String, key: String) -> String {
        let safe = key.unicodeScalars.allSatisfy { ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || $0 == "-" || $0 == "_" }
        if safe && !key.isEmpty && key.count <= 64 { return "\(prefix)\(kind)-\(key).ics" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits: stable across runs, unlike Hasher
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "\(prefix)\(kind)-\(String(hash, radix: 16)).ics"
    }
}

extension VdirPublisher {
    /// The files for these meetings and events, leaving out the events whose UID came from
    /// a followed vdir (`synced`).
    static func files(meetings: [Meeting], events: [NetworkingEvent], synced: Set<String>, contacts: [Contact],
                               now: Date) -> [String: String] {
        let contacts = Dictionary(uniqueKeysWithValues: contacts.map { ($0.id, $0) })
        var files: [String: String] = [:]
        for meeting in meetings {
            files[fileName(kind: "meeting", key: String(meeting.id))] =
                ICalendarWriter.write(reminders: [], meetings: [meeting], events: [], contactsByID: contacts, now: now)
        }
        let owned = Dictionary(grouping: events.filter { !synced.contains($0.uid) }, by: \.uid)
        for (uid, group) in owned {
            files[fileName(kind: "event", key: uid.isEmpty ? String(group[0].id) : uid)] =
                ICalendarWriter.write(reminders: [], meetings: [], events: group, contactsByID: contacts, now: now)
        }
        return files
    }
}
