import CTimerFD
import Dispatch
import Foundation
import RelanceCore

/// Tells when the wall clock is set, the way systemd-timesyncd learns it: a `timerfd` on
/// `CLOCK_REALTIME` armed far in the future with `TFD_TIMER_CANCEL_ON_SET`; the kernel
/// cancels it (the read fails with `ECANCELED`) whenever the clock is stepped. Read
/// through a DispatchSource: no polling, no wake-up unless the clock changes.
///
/// libfaketime cannot move kernel clocks, so under it this never fires; the scheduler's
/// row check keeps a backward fake step from re-firing anything all the same.
final class ClockChangeMonitor: Cancellable, @unchecked Sendable {  // immutable after init
    private let descriptor: CInt
    private let source: DispatchSourceRead?

    init(queue: DispatchQueue, handler: @escaping @Sendable () -> Void) {
        descriptor = relance_realtime_timerfd()
        guard descriptor >= 0, Self.arm(descriptor) else {
            source = nil
            return
        }
        let descriptor = self.descriptor
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler {
            var expirations: UInt64 = 0
            let count = read(descriptor, &expirations, MemoryLayout<UInt64>.size)
            // ECANCELED: the clock was set. Re-arm for the next change, then tell.
            if count < 0 && errno == ECANCELED {
                _ = Self.arm(descriptor)
                handler()
            }
        }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        self.source = source
    }

    /// Far in the future (the year 2400), absolute, cancelled on any clock set.
    private static func arm(_ descriptor: CInt) -> Bool {
        relance_arm_cancel_on_set(descriptor, 13_569_465_600) == 0
    }

    func cancel() {
        if let source { source.cancel() } else if descriptor >= 0 { close(descriptor) }
    }
}
