import Dispatch
import Foundation

/// inotify watches read through a DispatchSource on the owner's serial queue: no polling,
/// no periodic wake-up. The Maildir and vdir watchers are built on it; each decides what
/// its events mean.
///
/// Not thread-safe: call everything on `queue`, where `onEvents` runs too.
final class Inotify {
    /// One decoded `struct inotify_event`.
    struct Event {
        /// The watch it came from (`add`'s return value).
        let watch: CInt
        let mask: UInt32
        /// The file's name in the watched folder; empty for an event about the folder.
        let name: String

        func has(_ flag: Int32) -> Bool { mask & UInt32(flag) != 0 }
        /// Events were dropped: the kernel's queue was full.
        var overflowed: Bool { has(IN_Q_OVERFLOW) }
    }

    private let descriptor: CInt
    private let queue: DispatchQueue
    private var source: DispatchSourceRead?

    /// Nil when the kernel refuses an inotify instance (errno says why).
    init?(queue: DispatchQueue) {
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
        self.queue = queue
    }

    deinit { if source == nil { close(descriptor) } }

    /// Watches `path` for `mask`; returns the watch, or the reason it failed.
    func add(_ path: String, mask: Int32) -> Result<CInt, Failure> {
        let watch = inotify_add_watch(descriptor, path, UInt32(mask))
        return watch >= 0 ? .success(watch) : .failure(Failure(errno: errno))
    }

    /// Stops a watch (the kernel then queues IN_IGNORED for it).
    func remove(_ watch: CInt) { _ = inotify_rm_watch(descriptor, watch) }

    /// Why a watch could not be added.
    struct Failure: Error, CustomStringConvertible {
        let errno: Int32
        var description: String { String(cString: strerror(errno)) }
    }

    /// Starts reading: every batch of events the kernel has queued is handed to
    /// `onEvents`, on `queue`.
    func start(_ onEvents: @escaping ([Event]) -> Void) {
        let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        let descriptor = self.descriptor
        source.setEventHandler { onEvents(Self.read(descriptor)) }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        self.source = source
    }

    func cancel() {
        source?.cancel()
        source = nil
    }

    /// Everything queued now, decoded.
    private static func read(_ descriptor: CInt) -> [Event] {
        var events: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            guard count > 0 else { return events }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[]; }
                let (watch, mask, length) = buffer.withUnsafeBytes { raw in
                    (raw.load(fromByteOffset: offset, as: Int32.self),
                     raw.load(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(raw.load(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameStart = offset + MemoryLayout<inotify_event>.size
                let nameBytes = buffer[nameStart..<min(nameStart + length, count)].prefix { $0 != 0 }
                offset = nameStart + length
                events.append(Event(watch: watch, mask: mask, name: String(decoding: nameBytes, as: UTF8.self)))
            }
        }
    }
}
