import Foundation
import RelanceChannels
import Testing

/// SendmailTransport running msmtp (a sendmail-compatible command) against the same
/// live server. Never /usr/sbin/sendmail: here it is exim, setuid, and would really
/// send mail.
@Suite("SendmailTransport: msmtp -t -i against a live server", .serialized)
struct SendmailTransportTests {
    let from = try! MailAddress("relance@relance.test")
    let to = try! MailAddress("ada@example.com", displayName: "Ada Lovelace")

    func msmtp(_ server: SMTPTestServer, password: String = SMTPTestServer.password) throws -> SendmailTransport {
        let rc = try server.directory.write("msmtprc-\(UUID().uuidString)", """
            defaults
            account test
            host 127.0.0.1
            port \(server.port)
            from relance@relance.test
            tls on
            tls_starttls on
            tls_trust_file \(server.certificate)
            auth on
            user \(SMTPTestServer.user)
            password \(password)
            account default : test

            """)  // msmtp refuses an rc file with a password that others can read: 0600
        return SendmailTransport(path: "/usr/bin/msmtp", arguments: ["-C", rc, "-t", "-i"], timeout: .seconds(20))
    }

    @Test func deliversThroughMsmtp() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        defer { server.stop() }
        let channel = try MailChannel(transport: msmtp(server), from: from, to: [to], hostname: "relance.test")

        let receipt = try await channel.deliver(sampleNotification(inboxItemID: 12))

        #expect(receipt.detail == "<relance.inbox-12.mail@relance.test>")
        let received = try await server.waitForMessage()
        #expect(received.recipients == ["ada@example.com"])  // taken from To: by -t
        #expect(received.headers["Subject"] == "Suivi — Ada Lovelace")
        #expect(received.headers["Message-ID"] == "<relance.inbox-12.mail@relance.test>")
        #expect(received.headers["To"] == "Ada Lovelace <ada@example.com>")
        // msmtp turns our LF line ends back into CRLF on the wire: the same bytes as via SMTP.
        #expect(received.raw == (try channel.message(for: sampleNotification(inboxItemID: 12))).rendered(lineEnding: .crlf))
    }

    @Test func failureReportsExitStatusAndTheCommandsOwnWords() async throws {
        let server = try await SMTPTestServer.start(mode: .starttls)
        defer { server.stop() }
        let channel = try MailChannel(transport: msmtp(server, password: "wrong"), from: from, to: [to], hostname: "relance.test")

        let error = await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }

        #expect(error?.code == .deliveryFailed)
        #expect(error?.message.contains("exited with status") == true)
        #expect(error?.message.lowercased().contains("authentication failed") == true, "stderr kept: \(error?.message ?? "")")
        #expect(server.messageCount == 0)
    }

    @Test func hangingCommandIsStoppedAtTheTimeout() async throws {
        let transport = SendmailTransport(path: "/bin/sleep", arguments: ["30"], timeout: .seconds(1))
        let channel = try MailChannel(transport: transport, from: from, to: [to], hostname: "relance.test")
        let started = ContinuousClock.now

        let error = await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }

        #expect(error?.code == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test func missingCommandIsUnavailableAndSendingSaysWhy() async throws {
        let transport = SendmailTransport(path: "/nonexistent/sendmail")
        guard case .unavailable(let reason) = await transport.probe() else {
            Issue.record("probe said available")
            return
        }
        #expect(reason.contains("/nonexistent/sendmail"))
        let channel = try MailChannel(transport: transport, from: from, to: [to], hostname: "relance.test")
        let error = await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }
        #expect(error?.message.contains("/nonexistent/sendmail") == true)
    }

    @Test func argumentsAreNeverInterpretedByAShell() async throws {
        // If this went through sh -c, "$(touch …)" would create the file.
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let marker = directory.file("pwned")
        let transport = SendmailTransport(path: "/bin/cat", arguments: ["$(touch \(marker))"], timeout: .seconds(5))
        let channel = try MailChannel(transport: transport, from: from, to: [to], hostname: "relance.test")
        _ = try? await channel.deliver(sampleNotification())
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
