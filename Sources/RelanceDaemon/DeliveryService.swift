import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import RelanceDelivery
import RelanceCore
import RelanceStore

/// Sends the outbox: every pending delivery job (one per fired item and channel,
/// inserted in the firing transaction) goes to its channel, with bounded exponential
/// back-off on failure and every attempt recorded on the item. Channels never wait for
/// each other: each attempt runs in its own task, under a time limit, so a hung SMTP
/// server delays only its own mail. Like the scheduler, ONE timer is armed to the next
/// job due (or the next daily digest).
///
/// On a shared store (team mode) the due jobs are claimed for a lease as they are read,
/// so each is sent by one node at a time; a node that dies mid-send leaves its jobs to
/// the others once the lease runs out (at least once, as after a crash of one daemon).
public final class DeliveryService: @unchecked Sendable {
    private let store: any DeliveryStore
    private let clock: any TimeSource
    private let logger: Logger
    private let channels: [String: any DeliveryChannel]
    private let digest: (channel: any DeliveryChannel, time: LocalTimeOfDay, zone: @Sendable () -> TimeZone)?
    /// The user's zone (`[user] time_zone`, read at each delivery so a reload applies).
    private let zone: @Sendable () -> TimeZone
    private let queue = DispatchQueue(label: "io.relance.delivery")
    private var timer: (any WallTimer)!
    // Touched only on `queue`.
    private var inFlight: Set<Int64> = []
    private var digestInFlight = false
    /// Shutting down: no new attempt starts.
    private var draining = false
    /// After a failed digest: not before this (a retry, not a spin).
    private var digestRetryAt: Date?
    private var idleWaiters: [@Sendable () -> Void] = []
    private var stopped = false
    private var lastDigestDay: LocalDate?
    /// Shared store: the last claim found due jobs but took none (another node was
    /// claiming them): look again shortly rather than spin.
    private var claimedNothing = false
    private let knownHealth = NIOLockedValueBox<[String: ChannelHealth]>([:])

    /// How long after a failed daily digest it is tried again.
    static let digestRetryDelay: TimeInterval = 300

    /// The longest a single attempt may take before it counts as failed.
    static let attemptTimeout: Duration = .seconds(90)

    /// The most attempts in flight at once (what one read of the outbox returns).
    static let batch = 100

    /// Shared store: how long before looking again at due jobs another node was claiming.
    static let contendedRetry: TimeInterval = 0.5

    /// Shared store: how long before looking again while its database does not answer.
    static let unreachableRetry: TimeInterval = 5

    /// - Parameters:
    ///   - clock: the clock and its timers (`SystemTimeSource` in production).
    ///   - zone: the user's zone, for the times a person reads in a notification.
    public init(store: any DeliveryStore, clock: any TimeSource, logger: Logger, channels: [any DeliveryChannel],
                digest: (channel: any DeliveryChannel, time: LocalTimeOfDay, zone: @Sendable () -> TimeZone)? = nil,
                zone: @escaping @Sendable () -> TimeZone = { TimeZone(identifier: "Etc/UTC")! }) {
        self.zone = zone
        self.store = store
        self.clock = clock
        self.logger = logger
        self.channels = Dictionary(uniqueKeysWithValues: channels.map { ($0.name, $0) })
        self.digest = digest
        timer = clock.makeTimer(queue: queue) { [weak self] in self?.runDue() }
    }

    /// The channel names, for the firing transaction's outbox jobs.
    public var channelNames: [String] { channels.keys.sorted() }

    /// The channel called `name`.
    public func channel(_ name: String) -> (any DeliveryChannel)? { channels[name] }

    /// Sends what is due (jobs left by a crash or a restart included).
    public func start() {
        queue.async {
            if let digest = self.digest, let last = try? (self.store as? any DigestStore)?.lastDigestSent() {
                self.lastDigestDay = LocalDate(last, in: digest.zone())
            }
            self.runDue()
        }
    }

    /// Something was fired: send it now. Without a channel there is nothing to send (a
    /// firing made no job) and no outbox to read: not even a hop to the queue (issue #15).
    public func wake() {
        guard !channels.isEmpty else { return }
        queue.async { self.runDue() }
    }

    public func stop() {
        queue.sync {
            stopped = true
            timer.cancel()
        }
    }

    /// Returns once no attempt (and no digest) is in flight: what was started has been
    /// recorded. Tests wait here instead of sleeping; shutdown can too.
    public func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            queue.async {
                if self.inFlight.isEmpty && !self.digestInFlight { continuation.resume() } else { self.idleWaiters.append { continuation.resume() } }
            }
        }
    }

    /// Stops starting attempts, then waits up to `limit` for those in flight to be
    /// recorded. True when nothing was left in flight.
    public func drain(within limit: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let answer = resumingOnce(continuation)
            queue.async {
                self.draining = true
                if self.inFlight.isEmpty && !self.digestInFlight { return answer(true) }
                self.idleWaiters.append { answer(true) }
                self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(limit.components.seconds * 1000))) { answer(false) }
            }
        }
    }

    /// On the queue: wakes the waiters once nothing is in flight.
    private func resumeIdleWaiters() {
        guard inFlight.isEmpty, !digestInFlight else { return }
        let waiters = idleWaiters
        idleWaiters = []
        for waiter in waiters { waiter() }
    }

    /// Each channel's last known health, for `Status` (cheap: no probe).
    public var health: [(name: String, health: ChannelHealth)] {
        let known = knownHealth.withLockedValue { $0 }
        return channels.keys.sorted().map { ($0, known[$0] ?? .unavailable(reason: "not probed yet")) }
    }

    /// Probes every channel now (at most 5 s each), logging the ones that cannot deliver.
    public func probeAll() async {
        for (name, channel) in channels {
            let health = (try? await Self.withTimeout(.seconds(5)) { await channel.probe() })
                ?? .unavailable(reason: "no answer to the probe within 5 s")
            record(health, for: name)
        }
    }

    /// Takes back what the item's deliveries still show (a popup), once it is done,
    /// dismissed or snoozed. Best effort: a failure is logged, nothing is retried.
    public func withdraw(inboxItemID: Int64) async {
        let store = store
        guard let shown = try? await OffPool.run({ try store.shownDeliveries(inboxItemID: inboxItemID) }) else { return }
        for (name, receipt) in shown {
            guard let channel = channels[name] else { continue }
            do {
                try await channel.withdraw(DeliveryReceipt(detail: receipt))
            } catch {
                logger.info("could not withdraw the \(name) notification of inbox item \(inboxItemID): \(error)",
                            metadata: ["inbox_id": "\(inboxItemID)", "channel": "\(name)"])
            }
        }
    }

    /// Sends a test notification through one channel's real path now.
    public func test(_ name: String) async -> ChannelHealth {
        guard let channel = channels[name] else { return .unavailable(reason: "not configured") }
        let now = clock.now()
        var test = ReminderNotification(
            inboxItemID: 0, reminderID: 0, kind: "test", title: "Relance test notification",
            body: "If you can read this, Relance reaches you by \(name).", dueAt: now, firedAt: now)
        test.timeZone = zone()
        let notification = test
        do {
            _ = try await Self.withTimeout(Self.attemptTimeout) { try await channel.deliver(notification) }
            record(.available, for: name)
            return .available
        } catch {
            let health = ChannelHealth.unavailable(reason: "\(error)")
            record(health, for: name)
            return health
        }
    }

    private func record(_ health: ChannelHealth, for name: String) {
        let previous = knownHealth.withLockedValue { known in
            defer { known[name] = health }
            return known[name]
        }
        guard previous != health else { return }
        switch health {
        case .available:
            logger.notice("\(name) channel available", metadata: ["channel": "\(name)"])
            // It was failing: what waits for it need not sit out its back-off.
            // On the queue: a store call may block, and this runs on an attempt's task.
            if previous != nil {
                queue.async {
                    try? self.store.expediteDeliveries(channel: name, at: self.clock.now())
                    self.runDue()
                }
            }
        case .unavailable(let reason):
            logger.warning("\(name) channel unavailable: \(reason); the inbox keeps everything and delivery retries",
                           metadata: ["channel": "\(name)"])
        }
    }

    private func runDue() {
        guard !stopped, !draining else { return }
        let now = clock.now()
        do {
            // A claim holds a job for the lease: claim only what there is room to send.
            let room = channels.isEmpty ? 0 : store.deliveryLease == nil ? Self.batch : Self.batch - inFlight.count
            let jobs = room > 0 ? try store.claimDueDeliveries(at: now, channels: channelNames, limit: room) : []
            claimedNothing = jobs.isEmpty && room > 0
            for job in jobs where !inFlight.contains(job.id) {
                guard let channel = channels[job.channel] else { continue }
                inFlight.insert(job.id)
                Task { await self.attempt(job, on: channel) }
            }
        } catch {
            logger.error("cannot read the outbox: \(error)")
        }
        sendDigestIfDue(now: now)
        rearm()
    }

    private func attempt(_ job: DeliveryJob, on channel: any DeliveryChannel) async {
        let notification = Self.notification(for: job, zone: zone())
        var metadata: Logger.Metadata = ["inbox_id": "\(job.item.id)", "reminder_id": "\(job.item.reminderID)", "channel": "\(job.channel)"]
        do {
            let previous = job.previousReceipt.map { DeliveryReceipt(detail: $0) }
            let receipt = try await Self.withTimeout(Self.attemptTimeout) {
                try await channel.deliver(notification, replacing: previous)
            }
            let (store, clock) = (store, clock)
            let recorded = try await OffPool.run { try store.recordDelivered(job, at: clock.now(), receipt: receipt.detail) }
            if !recorded {
                // The item was closed or snoozed while this was on its way (or, in a shared
                // store, the job's lease ran out and another node holds it now): take it back.
                try? await channel.withdraw(receipt)
                logger.info("\(job.channel) delivery withdrawn: its item was dealt with meanwhile, or its job was retaken",
                            metadata: metadata)
            }
            record(.available, for: job.channel)
            metadata.merge(MessageID.delivered.metadata) { $1 }
            logger.notice("delivered by \(job.channel): \(job.item.text)", metadata: metadata)
        } catch {
            let retry = clock.now().addingTimeInterval(Self.backoff(attempts: job.attempts))
            let (store, clock, failure) = (store, clock, "\(error)")
            try? await OffPool.run { try store.recordDeliveryFailed(job, at: clock.now(), error: failure, retryAt: retry) }
            record(.unavailable(reason: "\(error)"), for: job.channel)
            metadata.merge(MessageID.deliveryFailed.metadata) { $1 }
            logger.warning("delivery by \(job.channel) failed (attempt \(job.attempts + 1)); retrying at \(retry): \(error)",
                           metadata: metadata)
        }
        queue.async {
            self.inFlight.remove(job.id)
            self.rearm()
            self.resumeIdleWaiters()
        }
    }

    /// What a person reads: the headline as the summary or subject ("Follow up with Ada
    /// Lovelace"), the details as the body, and how to act on it.
    static func notification(for job: DeliveryJob, zone: TimeZone) -> ReminderNotification {
        var notification = notification(for: job.item, zone: zone)
        notification.deliveryKey = job.deliveryKey
        notification.firstDeliveryKey = job.firstDeliveryKey
        notification.recipient = job.recipient
        return notification
    }

    static func notification(for item: InboxItem, zone: TimeZone) -> ReminderNotification {
        let parts = item.text.components(separatedBy: " — ")
        var body = item.text
        if parts.count > 1 {
            let details = parts.dropFirst().joined(separator: " — ")
            body = details.prefix(1).uppercased() + details.dropFirst() + (details.hasSuffix(".") ? "" : ".")
        }
        // Say what to type, and which number is which: the inbox item's, and the outreach's.
        body += "\n\nInbox item #\(item.id): relancectl done \(item.id), or snooze \(item.id) 1d."
        if let outreach = item.outreachID, item.kind == .followUp || item.kind == .letGo {
            body += "\nThey replied? relancectl reply \(outreach) --replied (outreach #\(outreach))."
        }
        var notification = ReminderNotification(inboxItemID: item.id, reminderID: item.reminderID, kind: item.kind.rawValue,
                                                title: parts[0], body: body, dueAt: item.dueAt, firedAt: item.firedAt)
        notification.timeZone = zone
        return notification
    }

    /// 5 s, 10 s, 20 s … doubling, capped at 10 minutes. (A channel that comes back
    /// also sends its waiting jobs at once: see `record`.)
    public static func backoff(attempts: Int) -> TimeInterval {
        min(5 * pow(2, Double(min(attempts, 20))), 600)
    }

    private func rearm() {
        guard !stopped else { return }
        let now = clock.now()
        var next: Date?
        do {
            next = channels.isEmpty ? nil : try store.nextDeliveryAttempt(channels: channelNames)
        } catch {
            // A shared store's database is out of reach: look again a little later (the
            // personal store, as it always did: nothing armed until the next wake).
            next = store.deliveryLease == nil ? nil : now.addingTimeInterval(Self.unreachableRetry)
        }
        if let digestAt = nextDigest(after: now) { next = min(next ?? digestAt, digestAt) }
        guard var next else { return timer.disarm() }
        if store.deliveryLease != nil {
            // Claimed jobs are due again only when their lease runs out. No room: the next
            // attempt to report back re-arms. Due jobs another node was claiming: shortly.
            if next <= now && inFlight.count >= Self.batch { return timer.disarm() }
            if next <= now && claimedNothing { next = now.addingTimeInterval(Self.contendedRetry) }
        } else if !inFlight.isEmpty, next <= now,
                  (try? store.claimDueDeliveries(at: now, channels: channelNames, limit: Self.batch)
                      .allSatisfy { inFlight.contains($0.id) }) == true {
            // Jobs in flight keep their old due time until they report back (and re-arm
            // then): don't spin on them.
            return timer.disarm()
        }
        timer.arm(at: next)
    }

    // MARK: Daily digest

    /// Today's digest time if today's digest is still to send (now, if its time has
    /// passed while the daemon was down), else tomorrow's.
    private func nextDigest(after now: Date) -> Date? {
        guard let digest else { return nil }
        let zone = digest.zone()
        let today = LocalDate(now, in: zone)
        guard lastDigestDay != today else { return today.adding(days: 1).at(digest.time, in: zone) }
        return max(today.at(digest.time, in: zone), now, digestRetryAt ?? .distantPast)
    }

    private func sendDigestIfDue(now: Date) {
        guard let digest, let store = store as? any DigestStore else { return }
        let zone = digest.zone()
        let today = LocalDate(now, in: zone)
        guard lastDigestDay != today, now >= today.at(digest.time, in: zone), now >= digestRetryAt ?? .distantPast,
              !digestInFlight else { return }
        lastDigestDay = today
        let items = (try? store.unreadItems()) ?? []
        guard !items.isEmpty else { return }
        let namespace = (try? store.messageNamespace()) ?? ""
        let notification = DigestText.notification(items, day: today, time: digest.time, zone: zone, now: now,
                                                   key: MessageKey.digest(namespace: namespace, day: DigestText.number(today)))
        let logger = self.logger
        digestInFlight = true
        Task {
            let failed: Bool
            do {
                let receipt = try await digest.channel.deliver(notification)
                try? store.recordDigestSent(at: now)
                try? store.markDigested(channel: digest.channel.name, inboxItemIDs: items.map(\.id), at: now, receipt: receipt.detail)
                logger.notice("daily digest sent with \(items.count) item(s)", metadata: MessageID.delivered.metadata)
                failed = false
            } catch {
                logger.warning("daily digest failed: \(error)", metadata: MessageID.deliveryFailed.metadata)
                failed = true
            }
            self.queue.async {
                // A failed digest is tried again a back-off later (the same day's digest).
                if failed {
                    self.lastDigestDay = nil
                    self.digestRetryAt = self.clock.now().addingTimeInterval(Self.digestRetryDelay)
                } else {
                    self.digestRetryAt = nil
                }
                self.digestInFlight = false
                self.rearm()
                self.resumeIdleWaiters()
            }
        }
    }

    static func withTimeout<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await QuietSleep.sleep(for: limit)
                throw ChannelError(.timedOut, channel: "delivery", "no answer within \(limit.components.seconds) s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
