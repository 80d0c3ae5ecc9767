import NIOCore

extension EventLoop {
    /// Suspends for `duration` on this loop's timer; cancelling the task ends it early
    /// with a thrown error, as `Task.sleep` does.
    func sleep(for duration: Duration) async throws {
        let scheduled = scheduleTask(in: TimeAmount(duration)) {}
        try await withTaskCancellationHandler {
            try await scheduled.futureResult.get()
        } onCancel: {
            scheduled.cancel()
        }
    }
}
