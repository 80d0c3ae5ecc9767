import Logging
import RelanceCore
import RelanceStore
import ServiceLifecycle

/// The vdir watcher as a service: follows the folders from the start, stops at shutdown.
struct VdirSyncService: Service {
    let watcher: VdirWatcher
    let publisher: VdirPublisher?

    func run() async throws {
        // The start applies the files changed while relanced was down (a calendar synced
        // whole: thousands of files, a transaction each). On a store-call thread, never
        // on an event loop, which the control socket needs to answer meanwhile.
        let watcher = self.watcher
        let publisher = self.publisher
        try? await withGracefulShutdownHandler {
            try await OffPool.run {
                watcher.start()
                publisher?.publish()
            }
        } onGracefulShutdown: {
            watcher.interruptCatchUp()
        }
        try? await gracefulShutdown()
        watcher.stop()
    }
}

extension VdirSyncService {
    /// `[sync]` on either store (nil when it names no folder): the followed folders applied
    /// through the same planners as `relancectl import`, and `publish` kept holding what
    /// `published` renders, rewritten after every `changed` signal.
    static func make(_ settings: SyncSettings, store: any VdirStore, clock: any WallClock,
                     rules: @escaping @Sendable () -> TimingRules, changed: ChangeSignal, logger: Logger,
                     published: @escaping @Sendable () throws -> [String: String]) -> VdirSyncService? {
        guard !settings.isEmpty else { return nil }
        let publisher = settings.publish.map { folder in VdirPublisher(folder: folder, logger: logger, render: published) }
        if let publisher { changed.subscribe { publisher.setNeedsWrite() } }
        let folders = settings.calendars.map { VdirWatcher.Folder(path: $0, kind: .calendar) }
            + settings.contacts.map { VdirWatcher.Folder(path: $0, kind: .contacts) }
        let sync = VdirSync(store: store, clock: clock, rules: rules)
        let watcher = VdirWatcher(folders: folders, store: store, logger: logger) { folder, path, change in
            sync.apply(folder: folder, path: path, change: change, logger: logger) {
                changed.send()
            }
        }
        return VdirSyncService(watcher: watcher, publisher: publisher)
    }
}
