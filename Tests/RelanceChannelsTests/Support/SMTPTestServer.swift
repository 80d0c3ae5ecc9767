import Foundation

/// `Tests/channels/smtp_server.py` (aiosmtpd) run by the test: STARTTLS or implicit TLS
/// with AUTH, or a silent listener that never answers.
final class SMTPTestServer: @unchecked Sendable {
    enum Mode: String { case starttls, implicit, stall }

    static let user = "relance"
    static let password = "s3cret pass"

    let directory: TemporaryDirectory
    let process: TestProcess
    let port: Int
    let certificate: String
    let sink: String

    private init(directory: TemporaryDirectory, process: TestProcess, port: Int, certificate: String, sink: String) {
        self.directory = directory
        self.process = process
        self.port = port
        self.certificate = certificate
        self.sink = sink
    }

    /// Starts the server (with the pyenv `python3`, which has aiosmtpd) and waits for
    /// its "ready" line.
    static func start(mode: Mode = .starttls) async throws -> SMTPTestServer {
        let directory = try TemporaryDirectory()
        guard let python = TestPaths.onPath("python3") else { throw TestFailure("python3 is not on PATH") }
        let process = try TestProcess(python, [TestPaths.helper("smtp_server.py"), "--dir", directory.path,
                                               "--mode", mode.rawValue, "--user", user, "--password", password])
        guard let ready = await process.line(timeout: 30, where: { $0.hasPrefix("{") }),
              let json = try JSONSerialization.jsonObject(with: Data(ready.line.utf8)) as? [String: Any],
              let port = json["port"] as? Int, let cert = json["cert"] as? String, let sink = json["sink"] as? String else {
            let stderr = process.errorOutput
            process.stop()
            directory.remove()
            throw TestFailure("smtp_server.py did not start: \(stderr)")
        }
        return SMTPTestServer(directory: directory, process: process, port: port, certificate: cert, sink: sink)
    }

    /// A received message as the server's JSON sink recorded it.
    struct Received {
        let mailFrom: String
        let recipients: [String]
        let authUser: String?
        let raw: [UInt8]
        /// Header values as Python's `email` parser decodes them (RFC 2047 undone).
        let headers: [String: String]
        let headerNames: [String]
        let body: String
    }

    /// Waits for the `number`-th message (1-based).
    func waitForMessage(number: Int = 1, timeout: TimeInterval = 10) async throws -> Received {
        let path = "\(sink)/\(String(format: "%04d", number)).json"
        let deadline = Date().addingTimeInterval(timeout)
        // The server writes the file before it answers 250, so this rarely loops.
        while !FileManager.default.fileExists(atPath: path) {
            guard Date() < deadline else { throw TestFailure("no message \(number) in \(sink)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        return Received(mailFrom: json["mail_from"] as! String, recipients: json["rcpt_tos"] as! [String],
                        authUser: json["auth_user"] as? String,
                        raw: [UInt8](Data(base64Encoded: json["raw_base64"] as! String)!),
                        headers: json["headers"] as! [String: String], headerNames: json["header_names"] as! [String],
                        body: json["body"] as! String)
    }

    /// How many messages arrived.
    var messageCount: Int { (try? FileManager.default.contentsOfDirectory(atPath: sink).filter { $0.hasSuffix(".json") }.count) ?? 0 }

    func stop() {
        process.stop()
        directory.remove()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
