import Dispatch
import Foundation
import Logging
import RelanceCore
import RelanceDelivery
import RelanceStore
import RelanceTeamStore

/// Each team user's daily digest on a team node (issue #16, `[mail] mode = "digest"` or
/// `"both"`): one mail a day at `[mail] digest_time` in the user's zone (theirs, else the
/// node's), to their own address, listing what is unread of theirs and the team's, as
/// the personal daemon's digest (`DigestText`). A user without an address gets none.
///
/// Every node with a digest runs this; the database decides which node sends a user's
/// digest of a day (`TeamStore.claimDigest`: one claim, for a lease), so it goes out once,
/// and again only if its sender died before recording it. No polling: ONE timer, armed
/// to the next digest time of any user (or to the end of another node's claim, to take
/// it over if that node died); a node that was down at digest time sends the day's
/// digest when it comes back, if no other node has.
public final class TeamDigestService: @unchecked Sendable {
    private let store: TeamStore
    private let channel: any DeliveryChannel
    private let time: LocalTimeOfDay
    /// The node's zone (`[user] time_zone`), for a user who set none.
    private let zone: @Sendable () -> TimeZone
    private let clock: any TimeSource
    private let logger: Logger
    private let queue = DispatchQueue(label: "io.relance.team-digest")
    private var timer: (any WallTimer)!
    // Touched only on `queue`.
    /// Users whose digest this node is sending now.
    private var inFlight: Set<String> = []
    private var stopped = false
    private var idleWaiters: [@Sendable () -> Void] = []

    /// How long after a failed digest any node tries it again.
    static let retryDelay = DeliveryService.digestRetryDelay

    /// How long before looking again while the database does not answer.
    static let unreachableRetry: TimeInterval = 5

    public init(store: TeamStore, channel: any DeliveryChannel, time: LocalTimeOfDay, zone: @escaping @Sendable () -> TimeZone,
                clock: any TimeSource, logger: Logger) {
        self.store = store
        self.channel = channel
        self.time = time
        self.zone = zone
        self.clock = clock
        self.logger = logger
        timer = clock.makeTimer(queue: queue) { [weak self] in self?.run() }
    }

    /// Sends what is due now (a digest missed while the node was down included) and arms
    /// the timer for the next.
    public func start() { queue.async { self.run() } }

    /// A user's address or zone changed: their next digest time may have too.
    public func wake() { queue.async { self.run() } }

    public func stop() {
        queue.sync {
            stopped = true
            timer.cancel()
        }
    }

    /// Stops starting digests, then waits up to `limit` for those being sent to be
    /// recorded. True when nothing was left in flight.
    public func drain(within limit: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            let answer = resumingOnce(continuation)
            queue.async {
                self.stopped = true
                self.timer.cancel()
                if self.inFlight.isEmpty { return answer(true) }
                self.idleWaiters.append { answer(true) }
                self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(limit.components.seconds * 1000))) { answer(false) }
            }
        }
    }

    /// Returns once no digest is being sent (tests wait here rather than sleep).
    public func waitUntilIdle() async {
        await withCheckedContinuation { continuation in
            queue.async {
                if self.inFlight.isEmpty { continuation.resume() } else { self.idleWaiters.append { continuation.resume() } }
            }
        }
    }

    private func run() {
        guard !stopped else { return }
        let now = clock.now()
        let next: Date
        do {
            next = try sendDue(now: now)
        } catch {
            logger.warning("team database: cannot look for daily digests to send: \(error); looking again in \(Int(Self.unreachableRetry)) s")
            next = now.addingTimeInterval(Self.unreachableRetry)
        }
        timer.arm(at: next)
    }

    /// On the queue: claims and starts sending every digest due at `now` that is not sent
    /// yet; when to look again (a digest being sent looks again once recorded).
    private func sendDue(now: Date) throws -> Date {
        var next: Date?
        func later(_ date: Date) { next = min(next ?? date, date) }
        let nodeZone = zone()
        // At the latest, the next digest time in the node's zone: a user who set an
        // address on another node (none of this node's calls woke it) is found by then.
        let nodeToday = LocalDate(now, in: nodeZone)
        let nodeDue = nodeToday.at(time, in: nodeZone)
        later(nodeDue > now ? nodeDue : nodeToday.adding(days: 1).at(time, in: nodeZone))
        for recipient in try store.digestRecipients() where !inFlight.contains(recipient.user) {
            let zone = recipient.zone.flatMap(TimeZone.init(identifier:)) ?? nodeZone
            let today = LocalDate(now, in: zone)
            let due = today.at(time, in: zone)
            guard now >= due else {
                later(due)
                continue
            }
            switch try store.claimDigest(of: recipient.user, day: DigestText.number(today), at: now) {
            case .sent:
                later(today.adding(days: 1).at(time, in: zone))
            case .heldUntil(let until):
                // Another node's claim (or a back-off after a failure): take it over if it
                // is still unsent then.
                later(max(until, now.addingTimeInterval(0.5)))
            case .claimed(let claim):
                send(to: recipient, day: today, due: due, zone: zone, claim: claim)
            }
        }
        return next!
    }

    /// On the queue: sends `recipient`'s digest of `day` under `claim`, records the
    /// outcome, then looks again (their next day, or a retry).
    private func send(to recipient: TeamStore.DigestRecipient, day: LocalDate, due: Date, zone: TimeZone, claim: Int64) {
        inFlight.insert(recipient.user)
        let (store, channel, clock, logger, time) = (store, channel, clock, logger, time)
        let user = recipient.user, number = DigestText.number(day)
        let metadata: Logger.Metadata = ["team_user": "\(user)", "channel": "\(channel.name)"]
        Task {
            do {
                // Theirs and the team's, unread, oldest first (as `relancectl inbox` shows them to them).
                let items = Array(try await OffPool.run { try store.inbox(.unread, viewer: user) }.reversed())
                if items.isEmpty {
                    // Nothing waiting: no mail, and the day is done.
                    try await OffPool.run {
                        _ = try store.recordDigestSent(of: user, day: number, claim: claim, items: 0, owned: [], receipt: nil, at: clock.now())
                    }
                } else {
                    let namespace = try await OffPool.run { try store.messageNamespace() }
                    // Dated at its digest time, and keyed by day and user: a digest re-sent
                    // after a crash, by whichever node, is the same mail.
                    let notification = DigestText.notification(
                        items, day: day, time: time, zone: zone, now: due,
                        key: MessageKey.digest(namespace: namespace, day: number, user: user), recipient: recipient.mail)
                    let receipt = try await DeliveryService.withTimeout(DeliveryService.attemptTimeout) {
                        try await channel.deliver(notification)
                    }
                    let owned = items.filter { $0.owner == user }.map(\.id)
                    let recorded = try await OffPool.run {
                        try store.recordDigestSent(of: user, day: number, claim: claim, items: items.count, owned: owned,
                                                   receipt: receipt.detail, at: clock.now())
                    }
                    let late = recorded ? "" : " (its claim had run out: another node may send it too)"
                    logger.notice("daily digest for \(user) sent with \(items.count) item(s)\(late)",
                                  metadata: metadata.merging(MessageID.delivered.metadata) { $1 })
                }
            } catch {
                let retry = clock.now().addingTimeInterval(Self.retryDelay)
                try? await OffPool.run {
                    try store.recordDigestFailed(of: user, day: number, claim: claim, error: "\(error)", retryAt: retry)
                }
                logger.warning("daily digest for \(user) failed: \(error); retrying at \(retry)",
                               metadata: metadata.merging(MessageID.deliveryFailed.metadata) { $1 })
            }
            self.queue.async {
                self.inFlight.remove(user)
                // Looks again first: idle means the timer is armed for what comes next.
                self.run()
                if self.inFlight.isEmpty {
                    let waiters = self.idleWaiters
                    self.idleWaiters = []
                    for waiter in waiters { waiter() }
                }
            }
        }
    }
}
