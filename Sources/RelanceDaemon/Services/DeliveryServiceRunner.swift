import Logging
import ServiceLifecycle

/// The outbox as a service: sends what is due (and what a crash left) from the start;
/// at shutdown it starts nothing new and waits, within a bound, for the attempts in
/// flight to be recorded, so a mail handed to the server is not sent again at the next
/// start for want of its receipt.
struct DeliveryServiceRunner: Service {
    let delivery: DeliveryService
    /// The longest shutdown waits for attempts in flight.
    let drainLimit: Duration
    let logger: Logger

    func run() async throws {
        delivery.start()
        try? await gracefulShutdown()
        if await !delivery.drain(within: drainLimit) {
            logger.warning("stopping with deliveries still in flight; they are retried at the next start")
        }
        delivery.stop()
    }
}
