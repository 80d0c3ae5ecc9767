import Foundation
import RelanceChannels
import RelanceTestKit
import Testing

/// libcurl against a real aiosmtpd server started by each test (Tests/channels/smtp_server.py).
@Suite("SMTPTransport: libcurl to a live STARTTLS + AUTH server", .serialized)
struct SMTPTransportTests {
    let from = try! MailAddress("relance@relance.test", displayName: "Relance")
    let to = try! MailAddress("ada@example.com", displayName: "Ada Lovelace")

    func transport(_ server: SMTPTestServer, scheme: String = "smtp", password: String = SMTPTestServer.password,
                   caFile: String?? = .none, connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(10)) throws -> SMTPTransport {
        let passwordFile = try server.directory.write("smtp-password-\(UUID().uuidString)", password + "\n")
        return try SMTPTransport(url: "\(scheme)://127.0.0.1:\(server.port)", username: SMTPTestServer.user,
                                 passwordFile: passwordFile, caFile: caFile ?? server.certificate,
                                 connectTimeout: connectTimeout, timeout: timeout, heloName: "relance.test")
    }

    @Test func deliversOverSTARTTLSAndTheServerGetsTheExactMessage() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        defer { server.stop() }
        let channel = try MailChannel(transport: transport(server), from: from, to: [to], hostname: "relance.test")
        let notification = sampleNotification()

        let receipt = try await channel.deliver(notification)

        #expect(receipt.detail == "<relance.inbox-42.mail@relance.test>")
        let received = try await server.waitForMessage()
        #expect(received.mailFrom == "relance@relance.test")
        #expect(received.recipients == ["ada@example.com"])
        #expect(received.authUser == SMTPTestServer.user)
        #expect(received.headers["Subject"] == "Suivi — Ada Lovelace")  // decoded by Python's email package
        #expect(received.headers["Message-ID"] == "<relance.inbox-42.mail@relance.test>")
        #expect(received.headers["Date"] == "Thu, 12 Nov 2026 09:00:02 +0000")
        #expect(received.headers["From"] == "Relance <relance@relance.test>")
        #expect(received.headers["To"] == "Ada Lovelace <ada@example.com>")
        #expect(received.headers["Auto-Submitted"] == "auto-generated")
        #expect(received.body.hasPrefix(notification.body + "\n"))
        #expect(received.body.contains("A Relance follow-up reminder, due Thu 12 Nov 09:00 (Etc/UTC)."))
        // Byte for byte what MailMessage rendered: curl adds nothing and changes nothing.
        #expect(received.raw == (try channel.message(for: notification)).rendered(lineEnding: .crlf))
    }

    @Test func deliversOverImplicitTLS() async throws {
        let server = try await SMTPTestServer.start(mode: .implicit)
        defer { server.stop() }
        let smtps = try transport(server, scheme: "smtps")
        let channel = try MailChannel(transport: smtps, from: from, to: [to], hostname: "relance.test")

        _ = try await channel.deliver(sampleNotification(inboxItemID: 9, title: "Thank Grace Hopper"))

        let received = try await server.waitForMessage()
        #expect(received.headers["Subject"] == "Thank Grace Hopper")
        #expect(received.headers["Message-ID"] == "<relance.inbox-9.mail@relance.test>")
    }

    @Test func wrongPasswordFailsWithAClearAuthenticationError() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        defer { server.stop() }
        let channel = try MailChannel(transport: transport(server, password: "wrong"), from: from, to: [to], hostname: "relance.test")

        let error = await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }

        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("535") == true, "server's reply quoted: \(error?.message ?? "")")
        #expect(error?.message.contains("password file") == true)
        #expect(server.messageCount == 0)
        #expect(await channel.probe() != .available)
    }

    @Test func stalledServerTimesOutWithinTheConfiguredTime() async throws {
        let server = try await SMTPTestServer.start(mode: .stall)
        defer { server.stop() }
        let smtp = try transport(server, connectTimeout: .seconds(1), timeout: .seconds(2))
        let channel = try MailChannel(transport: smtp, from: from, to: [to], hostname: "relance.test")

        let error = await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }

        // The server never greets, so the configured 1 s connect timeout ends it, not the
        // 15 s default: libcurl says how long it waited (its own record, rather than a
        // wall-clock bound on this test, which a loaded machine could overrun).
        #expect(error?.code == .timedOut, "\(String(describing: error))")
        let waited = (error?.message.firstMatch(of: /timed out after (\d+) milliseconds/)).flatMap { Int($0.1) }
        #expect(waited.map { 1_000 <= $0 && $0 < 15_000 } == true, "\(String(describing: error))")
    }

    @Test func cancellingTheTaskAbortsAStalledTransfer() async throws {
        let server = try await SMTPTestServer.start(mode: .stall)
        defer { server.stop() }
        let smtp = try transport(server, connectTimeout: .seconds(30), timeout: .seconds(30))
        let message = try MailChannel(transport: smtp, from: from, to: [to], hostname: "relance.test").message(for: sampleNotification())
        let sending = Task { try await smtp.send(message) }

        try await Task.sleep(for: .milliseconds(300))
        sending.cancel()
        let result = await sending.result

        #expect(throws: ChannelError.self) { try result.get() }
        // Cancelled, not timed out: nothing but the cancellation could end it before the 30 s.
        if case .failure(let error as ChannelError) = result { #expect(error.code == .cancelled) }
    }

    @Test func untrustedCertificateIsRefusedNotIgnored() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        defer { server.stop() }
        // No CA file: the throwaway certificate is not in the system store.
        let smtp = try transport(server, caFile: .some(nil))
        let message = try MailChannel(transport: smtp, from: from, to: [to], hostname: "relance.test").message(for: sampleNotification())

        let error = await #expect(throws: ChannelError.self) { try await smtp.send(message) }

        #expect(error?.message.contains("certificate") == true, "\(String(describing: error))")
        #expect(server.messageCount == 0)
    }

    @Test func probeLogsInWithoutSendingAnything() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        defer { server.stop() }
        let smtp = try transport(server)
        #expect(await smtp.probe() == .available)
        #expect(server.messageCount == 0)
    }

    @Test func unreadablePasswordFileIsAConfigurationError() async throws {
        let smtp = try SMTPTransport(url: "smtp://127.0.0.1:9", username: "u", passwordFile: "/nonexistent/smtp-password")
        let message = try MailChannel(transport: smtp, from: from, to: [to], hostname: "relance.test").message(for: sampleNotification())
        let error = await #expect(throws: ChannelError.self) { try await smtp.send(message) }
        #expect(error?.code == .configuration)
        #expect(error?.message.contains("/nonexistent/smtp-password") == true)
    }

    @Test(arguments: ["http://mail.example.com", "smtp://user:pw@mail.example.com", "smtp://mail.example.com/path",
                      "mail.example.com", "smtp://"])
    func refusesURLsThatAreNotPlainSubmissionServers(_ url: String) {
        #expect(throws: ChannelError.self) { try SMTPTransport(url: url) }
    }

    @Test func defaultsToTheSubmissionPorts() throws {
        #expect(try SMTPTransport(url: "smtp://mail.example.com").port == 587)
        #expect(try SMTPTransport(url: "smtps://mail.example.com").port == 465)
        #expect(try SMTPTransport(url: "smtp://mail.example.com:2525").serverURL == "smtp://mail.example.com:2525")
    }
}
