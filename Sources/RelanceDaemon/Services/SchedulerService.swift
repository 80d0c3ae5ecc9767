import Logging
import ServiceLifecycle

/// The scheduler (already started: its catch-up ran before the daemon said it was
/// ready) as a service: feeds the watchdog from its own queue, and disarms it for good
/// once everything after it in the group has stopped.
struct SchedulerService: Service {
    let scheduler: Scheduler
    let lifecycle: any DaemonLifecycle

    func run() async throws {
        if let interval = lifecycle.watchdogInterval {
            scheduler.startHeartbeat(every: interval) { lifecycle.watchdog() }
        }
        try? await gracefulShutdown()
        // Off the event loops: `stop` waits for a firing in progress, and on a team node
        // that firing waits for PostgreSQL replies read on those loops (stopped from one
        // of them, both would wait for ever).
        let scheduler = self.scheduler
        try? await OffPool.run { scheduler.stop() }
    }
}
