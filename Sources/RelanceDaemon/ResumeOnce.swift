import NIOConcurrencyHelpers

/// `continuation` resumed by whichever caller comes first, the others ignored: a drain
/// answers when its work is done or when its time limit passes, whichever is first.
func resumingOnce(_ continuation: CheckedContinuation<Bool, Never>) -> @Sendable (Bool) -> Void {
    let answered = NIOLockedValueBox(false)
    return { value in
        let first = answered.withLockedValue { done in
            defer { done = true }
            return !done
        }
        if first { continuation.resume(returning: value) }
    }
}
