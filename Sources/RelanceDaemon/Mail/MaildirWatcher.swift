import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceCore
import RelanceStore
import RelanceTeamStore

/// Follows Maildir folders (what mbsync, offlineimap, getmail and notmuch users have):
/// inotify on each folder's `new/` and `cur/`, read through a DispatchSource — no
/// polling — and every message that arrives is handed to `ingest`, the same write path
/// as `relancectl ingest`. At start, messages that arrived while the daemon was down
/// (newer than the folder's watermark, kept in the store) are read once; on the very
/// first start a folder is read from then on, not back through its history.
/// Where a watcher keeps how far each folder was read: the personal store's `bookkeeping`
/// table, or the team's `relance_bookkeeping`.
protocol MailWatermarks: Sendable {
    func bookkeeping(_ key: String) throws -> String?
    func setBookkeeping(_ key: String, _ value: String) throws
}

extension AppDatabase: MailWatermarks {}
extension TeamStore: MailWatermarks {}

final class MaildirWatcher: @unchecked Sendable {  // mutable state on `queue`
    struct Folder: Sendable {
        let path: String
        /// A Sent folder: its messages are ones you wrote.
        let sent: Bool
    }

    private let folders: [Folder]
    private let store: any MailWatermarks
    /// Before a folder's path in its watermark's key ("maildir:"; a team node's names
    /// the node: its folders are its own, the database is the team's).
    private let keyPrefix: String
    /// Reads one message, remembering `bookkeeping` (the folder's watermark) with it;
    /// when it throws, the bookkeeping is not remembered.
    private let ingest: @Sendable (_ message: String, _ sent: Bool, _ bookkeeping: Bookkeeping) throws -> Void
    private let logger: Logger
    private let queue = DispatchQueue(label: "io.relance.maildir")
    private var inotify: Inotify?
    private var watches: [CInt: (folder: Folder, directory: String)] = [:]
    /// Files already handed over (a message moves from new/ to cur/ when read: once is enough).
    private var seen: Set<String> = []
    /// Set by a shutdown during the start-up catch-up: it ends after the message at hand;
    /// the watermark says where the next start resumes.
    private let catchUpInterrupted = NIOLockedValueBox(false)

    /// The most of a message read: the headers and the first lines are all that matter.
    static let readLimit = MailInput.fileLimit

    init(folders: [Folder], store: any MailWatermarks, keyPrefix: String = "maildir:", logger: Logger,
         ingest: @escaping @Sendable (_ message: String, _ sent: Bool, _ bookkeeping: Bookkeeping) throws -> Void) {
        self.folders = folders
        self.store = store
        self.keyPrefix = keyPrefix
        self.logger = logger
        self.ingest = ingest
    }

    /// Watches the folders and reads what came while the daemon was down.
    func start() {
        queue.sync {
            guard let inotify = Inotify(queue: queue) else {
                return logger.error("cannot watch mail folders: inotify_init1 failed (errno \(errno))")
            }
            for folder in folders {
                for sub in ["new", "cur"] {
                    let directory = folder.path + "/" + sub
                    switch inotify.add(directory, mask: IN_MOVED_TO | IN_CLOSE_WRITE) {
                    case .success(let watch): watches[watch] = (folder, directory)
                    case .failure(let code): logger.warning("cannot watch \(directory) (is it a Maildir?): \(code)")
                    }
                }
            }
            inotify.start { [weak self] events in
                guard let self else { return }
                for event in events {
                    guard let (folder, directory) = watches[event.watch], !event.name.isEmpty else { continue }
                    handle(directory + "/" + event.name, folder: folder)
                }
            }
            self.inotify = inotify
            for folder in folders { catchUp(folder) }
        }
    }

    func stop() { queue.sync { inotify?.cancel(); inotify = nil } }

    /// Ends a catch-up under way (from any thread) after the message it is reading.
    func interruptCatchUp() { catchUpInterrupted.withLockedValue { $0 = true } }

    // MARK: On the queue

    private func watermarkKey(_ folder: Folder) -> String { keyPrefix + folder.path }

    /// Messages at or after the folder's watermark, oldest first; the first time, none (from
    /// now on). A shutdown ends it early (`interruptCatchUp`).
    private func catchUp(_ folder: Folder) {
        let key = watermarkKey(folder)
        guard let text = try? store.bookkeeping(key), let since = Double(text) else {
            try? store.setBookkeeping(key, String(Date().timeIntervalSince1970))
            return
        }
        var files: [(path: String, modified: Double)] = []
        for sub in ["new", "cur"] {
            let directory = folder.path + "/" + sub
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
                let path = directory + "/" + name
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
                // At or after: a file written in the same clock tick as the last one read
                // may not have been read yet (a message read again changes nothing).
                if modified >= since { files.append((path, modified)) }
            }
        }
        var read = 0
        for file in files.sorted(by: { $0.modified < $1.modified }) {
            if catchUpInterrupted.withLockedValue({ $0 }) {
                logger.info("stopping: read \(read) of \(files.count) message(s) that came to \(folder.path) while relanced was down; the rest at the next start")
                return
            }
            // The watermark follows the files read, not the clock: stopped half-way, the
            // next start resumes at the first file not read.
            handle(file.path, folder: folder, watermark: file.modified)
            read += 1
        }
        if !files.isEmpty { logger.info("read \(files.count) message(s) that came to \(folder.path) while relanced was down") }
    }

    /// Hands one message over, once (by its unique Maildir name, flags stripped).
    /// - Parameter watermark: seconds since the epoch up to which the folder is read
    ///   once this message is (its modification time at catch-up; now otherwise).
    private func handle(_ path: String, folder: Folder, watermark: Double = Date().timeIntervalSince1970) {
        let name = (path as NSString).lastPathComponent
        let unique = String(name.split(separator: ":", maxSplits: 1).first ?? Substring(name))
        if seen.count > 100_000 { seen.removeAll() }  // the store's Message-ID check still holds
        guard seen.insert(folder.path + "/" + unique).inserted else { return }
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: Self.readLimit)) ?? Data()
        if data.count == Self.readLimit, let size = try? handle.seekToEnd(), size > Self.readLimit {
            logger.info("the message \(name) in \(folder.path) is \(size) bytes: read its first 1 MiB (the headers and the start of the text are all that count)")
        }
        // The watermark moves in the message's own write transaction (one per message).
        let mark = Bookkeeping(key: watermarkKey(folder), value: String(watermark))
        do {
            try ingest(String(decoding: data, as: UTF8.self), folder.sent, mark)
        } catch {
            logger.warning("could not read the message \(name) in \(folder.path): \(error)")
            try? store.setBookkeeping(mark.key, mark.value)
        }
    }
}
