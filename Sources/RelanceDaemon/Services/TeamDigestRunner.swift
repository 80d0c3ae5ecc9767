import Logging
import ServiceLifecycle

/// The team digest as a service: sends what is due (a digest missed while the node was
/// down included) from the start; at shutdown it starts nothing new and waits, within a
/// bound, for the digests in flight to be recorded, so one handed to the server is not
/// sent again by another node once its claim runs out.
struct TeamDigestRunner: Service {
    let digest: TeamDigestService
    /// The longest shutdown waits for digests in flight.
    let drainLimit: Duration
    let logger: Logger

    func run() async throws {
        digest.start()
        try? await gracefulShutdown()
        if await !digest.drain(within: drainLimit) {
            logger.warning("stopping with a daily digest still being sent; another node sends it once its claim runs out")
        }
    }
}
