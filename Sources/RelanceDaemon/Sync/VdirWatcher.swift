import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceStore

/// Follows vdir folders (one .ics or .vcf per item, as vdirsyncer keeps them; issue #12):
/// inotify on each folder, read through a DispatchSource — no polling, no periodic
/// wake-up — and every file created, changed or deleted is handed to `apply`. At start,
/// the files that changed while the daemon was down (their modification time and size
/// differ from what the store remembers) and those deleted meanwhile are applied once.
///
/// A file is read when its writer is done with it: at IN_CLOSE_WRITE, or IN_MOVED_TO for
/// one renamed into place (vdirsyncer and most tools write a temporary file, then rename
/// it). A hard link into place (how vdirsyncer's atomicwrites creates a new file) gives
/// only IN_CREATE: a created file is read then too, but left quietly alone when it does
/// not look whole yet. A file that cannot be read is logged as a warning and read again
/// at its next change; nothing is retried on a timer.
///
/// A followed folder deleted or moved away (its files' deletions applied as they come) is
/// followed again when a folder of that name appears in its parent (created, or moved
/// there), which is watched for it: its files are then caught up as at start, without a
/// restart.
final class VdirWatcher: @unchecked Sendable {  // mutable state on `queue`
    struct Folder: Sendable, Equatable {
        let path: String
        let kind: SyncKind
        /// ".ics" or ".vcf".
        var fileExtension: String { kind == .calendar ? ".ics" : ".vcf" }
    }

    /// Why `apply` is called.
    enum Change: Sendable, Equatable {
        /// Closed after writing, renamed into place, deleted, or found changed at start.
        case settled
        /// Just created (IN_CREATE): may still be being written.
        case created
    }

    private let folders: [Folder]
    private let store: any VdirStore
    private let apply: @Sendable (_ folder: Folder, _ path: String, _ change: Change) -> Void
    private let logger: Logger
    private let queue = DispatchQueue(label: "io.relance.vdir")
    private var inotify: Inotify?
    private var watches: [CInt: Folder] = [:]
    /// The parents of the folders, watched for a folder's re-creation.
    private var parents: [CInt: [Folder]] = [:]
    private static let folderMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF
    private let catchUpInterrupted = NIOLockedValueBox(false)

    init(folders: [Folder], store: any VdirStore, logger: Logger,
         apply: @escaping @Sendable (_ folder: Folder, _ path: String, _ change: Change) -> Void) {
        self.folders = folders
        self.store = store
        self.logger = logger
        self.apply = apply
    }

    /// Whether `name` is an item file of `folder`: its extension, not hidden, not a
    /// temporary file (vdirsyncer skips ".tmp" too).
    static func isItem(_ name: String, of folder: Folder) -> Bool {
        !name.hasPrefix(".") && name.hasSuffix(folder.fileExtension) && name.count > folder.fileExtension.count
    }

    /// Watches the folders (creating a missing one: vdirsyncer fills it at its first
    /// sync) and applies what changed while the daemon was down.
    func start() {
        queue.sync {
            guard let inotify = Inotify(queue: queue) else {
                return logger.error("cannot follow vdir folders: inotify_init1 failed (errno \(errno))")
            }
            self.inotify = inotify
            for folder in folders {
                try? FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
                watch(folder)
                switch inotify.add(Self.parent(of: folder), mask: IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) {
                case .success(let watch): parents[watch, default: []].append(folder)
                case .failure(let code):
                    logger.warning("cannot watch the parent of \(folder.path), so a re-created folder needs a restart: \(code)")
                }
            }
            inotify.start { [weak self] events in self?.handle(events) }
            for folder in folders { catchUp(folder) }
        }
    }

    func stop() { queue.sync { inotify?.cancel(); inotify = nil } }

    /// Ends a catch-up under way (from any thread) after the file at hand.
    func interruptCatchUp() { catchUpInterrupted.withLockedValue { $0 = true } }

    /// Runs `body` on the watcher's queue once the events read so far are handled (tests).
    func sync<T>(_ body: () -> T) -> T { queue.sync(execute: body) }

    // MARK: On the queue

    static func parent(of folder: Folder) -> String { (folder.path as NSString).deletingLastPathComponent }

    /// Watches the folder itself; false when it cannot be.
    @discardableResult
    private func watch(_ folder: Folder) -> Bool {
        guard let inotify else { return false }
        switch inotify.add(folder.path, mask: Self.folderMask | IN_ONLYDIR) {
        case .success(let watch):
            watches[watch] = folder
            return true
        case .failure(let code):
            logger.warning("cannot follow \(folder.path) (is it a directory I may read?): \(code)")
            return false
        }
    }

    /// The files that differ from what the store remembers, and the files it remembers
    /// that are gone, applied once.
    private func catchUp(_ folder: Folder) {
        let remembered: [String: String]
        do {
            remembered = Dictionary(try store.syncedFiles(folder.kind, in: folder.path).map { ($0.path, $0.stamp) },
                                    uniquingKeysWith: { first, _ in first })
        } catch {
            return logger.error("cannot read what relanced knows of \(folder.path): \(error)")
        }
        var due: [String] = []
        var present: Set<String> = []
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        where Self.isItem(name, of: folder) {
            let path = folder.path + "/" + name
            present.insert(path)
            if VdirStamp.of(path) != remembered[path] { due.append(path) }
        }
        due += remembered.keys.filter { !present.contains($0) }.sorted()
        var done = 0
        for path in due {
            if catchUpInterrupted.withLockedValue({ $0 }) {
                logger.info("stopping: applied \(done) of \(due.count) file(s) of \(folder.path) changed while relanced was down; the rest at the next start")
                return
            }
            apply(folder, path, .settled)
            done += 1
        }
        if !due.isEmpty { logger.info("applied \(due.count) file(s) of \(folder.path) changed while relanced was down") }
    }

    private func handle(_ events: [Inotify.Event]) {
        for event in events {
            if event.overflowed {
                // Events were lost: compare every folder with the store again.
                logger.warning("inotify queue overflowed; reading the followed folders again")
                for folder in folders { catchUp(folder) }
                continue
            }
            if let followed = parents[event.watch] {
                // A folder of a followed name created or moved into the parent: follow it again.
                for folder in followed where event.has(IN_ISDIR) && event.name == (folder.path as NSString).lastPathComponent
                    && !watches.values.contains(folder) {
                    guard watch(folder) else { continue }
                    logger.notice("\(folder.path) is back; following it again")
                    catchUp(folder)
                }
                continue
            }
            guard let folder = watches[event.watch] else { continue }
            if event.has(IN_DELETE_SELF) || event.has(IN_MOVE_SELF) || event.has(IN_IGNORED) {
                // Gone (its files' deletions came first): the parent's watch sees it back.
                if event.has(IN_MOVE_SELF) { inotify?.remove(event.watch) }  // else it follows the folder elsewhere
                watches[event.watch] = nil
                if !event.has(IN_IGNORED) {
                    logger.warning("\(folder.path) was \(event.has(IN_MOVE_SELF) ? "moved away" : "deleted"); following it again when it is back")
                }
                // Moved away, its files left with it: what a restart would find, now.
                if event.has(IN_MOVE_SELF) { catchUp(folder) }
                continue
            }
            guard !event.name.isEmpty, Self.isItem(event.name, of: folder) else { continue }
            apply(folder, folder.path + "/" + event.name, event.has(IN_CREATE) ? .created : .settled)
        }
    }
}
