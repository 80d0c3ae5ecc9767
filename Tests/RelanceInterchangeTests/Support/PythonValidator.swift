import Foundation

/// Runs Fixtures/validate.py (vobject and icalendar, third-party parsers) on a file.
enum PythonValidator {
    struct Outcome {
        var status: Int32
        var output: String
        var errors: String
        /// The JSON summary the script prints.
        var summary: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(output.utf8))) as? [String: Any] ?? [:]
        }
    }

    /// Writes `text` to a temporary file with `fileExtension` and validates it, on a
    /// thread of its own: a test waiting for Python must not hold one of the cooperative
    /// pool's threads (two on this machine) and stall every other test.
    static func validate(_ text: String, fileExtension: String) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try validateBlocking(text, fileExtension: fileExtension) })
            }
        }
    }

    private static func validateBlocking(_ text: String, fileExtension: String) throws -> Outcome {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("relance-interchange-\(UUID().uuidString).\(fileExtension)")
        try Data(text.utf8).write(to: file)
        // RELANCE_KEEP_EXPORTS=<dir> keeps a copy of what was validated, to look at.
        if let keep = ProcessInfo.processInfo.environment["RELANCE_KEEP_EXPORTS"] {
            try? Data(text.utf8).write(to: URL(fileURLWithPath: keep).appendingPathComponent(file.lastPathComponent))
        }
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.directory.appendingPathComponent("validate.py").path, file.path]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Read before waiting, so a full pipe cannot block the child.
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                       errors: String(decoding: errors, as: UTF8.self))
    }
}
