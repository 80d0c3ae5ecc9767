import Foundation
import RelanceChannels
import Testing
#if canImport(Glibc)
import Glibc
#endif

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
        // Given a command that would succeed after 30 s (it writes its PID first),
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pidFile = directory.file("pid")
        let transport = SendmailTransport(path: "/bin/sh", arguments: ["-c", "echo $$ > \(pidFile) && exec sleep 30"], timeout: .seconds(1))
        let channel = try MailChannel(transport: transport, from: from, to: [to], hostname: "relance.test")

        let error = await #expect(throws: ChannelError.self) { try await channel.deliver(sampleNotification()) }

        // Then the send fails as timed out (waiting for it would have succeeded), and the
        // command is gone (stopped and reaped), not left running.
        #expect(error?.code == .timedOut)
        // (No PID only if the machine was too loaded to start `sh` within the second: then
        // there is no process left to look for either.)
        if let child = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap({ pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) {
            #expect(kill(child, 0) == -1 && errno == ESRCH)
        }
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

    /// A message for the transport itself (the tests below read what the command printed).
    func message() throws -> MailMessage {
        try MailChannel(transport: SendmailTransport(), from: from, to: [to], hostname: "relance.test")
            .message(for: sampleNotification())
    }

    @Test func commandKilledBySignalSaysWhichSignal() async throws {
        let transport = SendmailTransport(path: "/bin/sh", arguments: ["-c", "echo dying >&2; kill -9 $$"], timeout: .seconds(10))

        let error = await #expect(throws: ChannelError.self) { try await transport.send(message()) }

        #expect(error?.code == .deliveryFailed)
        #expect(error?.message.contains("was killed by signal 9: dying") == true, "\(error?.message ?? "")")
    }

    @Test func messageArrivesWholeOnStandardInput() async throws {
        let message = try message()

        let output = try await SendmailTransport(path: "/bin/cat", arguments: [], timeout: .seconds(10)).send(message)

        #expect(output == String(decoding: message.rendered(lineEnding: .lf), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func grandchildHoldingStdoutOpenDoesNotHoldUpTheSend() async throws {
        // Given a command that leaves a process behind with its stdout (as a sendmail that
        // forks a queue runner does), printing that process's PID.
        let transport = SendmailTransport(path: "/bin/sh", arguments: ["-c", "sleep 30 & echo $!"], timeout: .seconds(20))

        // When it is run,
        let output = try await transport.send(message())

        // Then the send succeeds with the command's output: waiting for the grandchild
        // (30 s) would have ended at the 20 s timeout, in a thrown `timedOut`.
        let grandchild = pid_t(output)
        if let grandchild { kill(grandchild, SIGKILL) }
        #expect(grandchild != nil, "output: \(output)")
    }

    @Test func commandStartsWithNoBlockedOrIgnoredSignals() async throws {
        // Given a process that ignores a signal, as the daemon does (dispositions are
        // process-wide and SIG_IGN survives exec unless the spawn resets it), and whose
        // Dispatch workers block nearly every signal, SIGTERM included: swift-subprocess's
        // threads are started from one of them and inherit that mask.
        let previous = signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, previous) }
        let sigtermBit: UInt64 = 1 << (UInt64(SIGTERM) - 1)
        let masks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8))?
                .split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
                .flatMap { UInt64($0.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) }
        }
        #expect(masks.contains { $0 & sigtermBit != 0 }, "precondition: some thread here blocks SIGTERM")
        let transport = SendmailTransport(path: "/bin/grep", arguments: ["-E", "^Sig(Blk|Ign):", "/proc/self/status"],
                                          timeout: .seconds(10))

        // When a command reports its own signal state,
        let output = try await transport.send(message())

        // Then nothing is blocked and nothing ignored: it can be stopped and behaves as from a
        // shell. Except signals 32 and 33, glibc's own (thread cancellation, setxid), which
        // its posix_spawn sets to SIG_IGN in every child (sysdeps/unix/sysv/linux/spawni.c)
        // and which a program's own libc takes back at start.
        var fields: [String: UInt64] = [:]
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            fields[parts[0]] = UInt64(parts[1], radix: 16)
        }
        let glibcInternal: UInt64 = 1 << (32 - 1) | 1 << (33 - 1)
        #expect(fields["SigBlk"] == 0, "\(output)")
        #expect(fields["SigIgn"].map { $0 & ~glibcInternal } == 0, "\(output)")
    }

    @Test func chattyCommandIsReadToTheEndAndItsOutputCutAtTheLimit() async throws {
        // ~1.3 MB, far more than a pipe holds: if reading stopped at the limit, seq would
        // block on a full pipe until the timeout.
        let transport = SendmailTransport(path: "/usr/bin/seq", arguments: ["1", "200000"], timeout: .seconds(20))

        let output = try await transport.send(message())

        #expect(output.hasPrefix("1\n2\n3\n"))
        #expect(output.utf8.count <= 16 * 1024 && output.utf8.count > 16 * 1024 - 8)
    }

    @Test func cancellingTheDeliveryStopsTheCommand() async throws {
        // Given a command that is running (it wrote its PID) and would run for 30 s,
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pidFile = directory.file("pid")
        let transport = SendmailTransport(path: "/bin/sh", arguments: ["-c", "echo $$ > \(pidFile).new && mv \(pidFile).new \(pidFile) && exec sleep 30"],
                                          timeout: .seconds(20))
        let message = try message()
        let send = Task { try await transport.send(message) }
        var pid: pid_t?
        for _ in 0..<1000 where pid == nil {
            pid = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if pid == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        let child = try #require(pid)

        // When the delivery's task is cancelled,
        send.cancel()
        let error = await #expect(throws: ChannelError.self) { try await send.value }

        // Then it fails as cancelled, and the command is gone (stopped and reaped).
        #expect(error?.code == .cancelled)
        #expect(kill(child, 0) == -1 && errno == ESRCH)
    }
}
