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

    /// Writes `text` to a temporary file with `fileExtension` and validates it. One
    /// interpreter serves every test (`validate.py --serve`): starting one per file, with
    /// both parsers to import, cost more CPU than all the pure tests together on this
    /// two-core machine. The exchange runs on a thread of its own, never on a cooperative
    /// thread.
    static func validate(_ text: String, fileExtension: String) async throws -> Outcome {
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("relance-interchange-\(UUID().uuidString).\(fileExtension)")
        try Data(text.utf8).write(to: file)
        // RELANCE_KEEP_EXPORTS=<dir> keeps a copy of what was validated, to look at.
        if let keep = ProcessInfo.processInfo.environment["RELANCE_KEEP_EXPORTS"] {
            try? Data(text.utf8).write(to: URL(fileURLWithPath: keep).appendingPathComponent(file.lastPathComponent))
        }
        defer { try? FileManager.default.removeItem(at: file) }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try Server.shared.exchange(file.path) })
            }
        }
    }

    /// The shared `validate.py --serve`, one request at a time.
    final class Server: @unchecked Sendable {  // guarded by `lock`
        static let shared = Server()
        private let lock = NSLock()
        private var process: Process?
        private var input: FileHandle?
        private var output: FileHandle?
        private var buffer = Data()

        func exchange(_ path: String) throws -> Outcome {
            lock.lock()
            defer { lock.unlock() }
            if process == nil { try start() }
            input!.write(Data((path + "\n").utf8))
            while !buffer.contains(UInt8(ascii: "\n")) {
                let chunk = output!.availableData
                guard !chunk.isEmpty else { throw ValidatorFailure(message: "validate.py --serve ended") }
                buffer.append(chunk)
            }
            let end = buffer.firstIndex(of: UInt8(ascii: "\n"))!
            let line = buffer[buffer.startIndex..<end]
            buffer = Data(buffer[(end + 1)...])
            guard let reply = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw ValidatorFailure(message: "validate.py answered \(String(decoding: line, as: UTF8.self))")
            }
            return Outcome(status: Int32(reply["status"] as? Int ?? 1), output: reply["output"] as? String ?? "",
                           errors: reply["errors"] as? String ?? "")
        }

        private func start() throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Fixtures.directory.appendingPathComponent("validate.py").path, "--serve"]
            let stdin = Pipe()
            let stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
            self.process = process
            input = stdin.fileHandleForWriting
            output = stdout.fileHandleForReading
        }
    }

    struct ValidatorFailure: Error { let message: String }
}
