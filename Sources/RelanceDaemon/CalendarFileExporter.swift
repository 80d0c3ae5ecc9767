import Dispatch
import Foundation
import Logging

/// Keeps an iCalendar file up to date (`[export] calendar_file`) so a calendar app can
/// subscribe to it: rewritten atomically, at most once a second, after any change.
final class CalendarFileExporter: Sendable {
    private let path: String
    private let render: @Sendable () throws -> String
    private let logger: Logger
    private let writes = CoalescedWork(queue: DispatchQueue(label: "io.relance.calendar-file"), delay: 1)

    init(path: String, logger: Logger, render: @escaping @Sendable () throws -> String) {
        self.path = path
        self.render = render
        self.logger = logger
    }

    /// Something changed: rewrite the file soon (once for a burst of changes).
    func setNeedsWrite() {
        writes.request { [self] in write() }
    }

    /// Rewrites the file now.
    func write() {
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(try render().utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            logger.error("cannot update the calendar file \(path): \(error)")
        }
    }
}
