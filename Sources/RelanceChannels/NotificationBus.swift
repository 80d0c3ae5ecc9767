import CSystemd
import Dispatch
import Foundation
import Logging

/// One sd-bus connection to the session bus, for org.freedesktop.Notifications.
///
/// sd-bus is not thread-safe, so the connection and all state below belong to one
/// serial queue: every public-facing method hops onto it, and the bus's fd is watched by
/// a DispatchSource on the same queue. Blocking calls (`sd_bus_call`, bounded by
/// `callTimeout`) run on that queue, never on the cooperative pool.
///
/// The connection is made lazily and dropped on any sign that it died; the next call
/// makes a new one. That is the whole reconnect story: nothing polls.
final class NotificationBus: @unchecked Sendable {
    static let destination = "org.freedesktop.Notifications"
    static let objectPath = "/org/freedesktop/Notifications"
    static let interface = "org.freedesktop.Notifications"

    let queue = DispatchQueue(label: "relance.channels.desktop-bus")
    private let busAddress: @Sendable () -> String?
    private let callTimeoutMicroseconds: UInt64
    private let onAction: @Sendable (UInt32, String) -> Void
    private let onClosed: @Sendable (UInt32, DesktopChannel.CloseReason) -> Void
    private let logger: Logger

    // Owned by `queue`.
    private var connection: Connection?
    /// Ids our Notify calls got back: signals about anyone else's popups are ignored
    /// (older servers broadcast them to every client).
    private var issuedIDs: Set<UInt32> = []
    /// The unique bus name that answered our Notify calls; only it may send us actions.
    private var serverName: String?
    /// The latest popup per inbox item, so a re-delivery replaces it instead of stacking.
    private var latestByInboxItem: [Int64: UInt32] = [:]

    init(busAddress: @escaping @Sendable () -> String?, callTimeout: Duration, logger: Logger,
         onAction: @escaping @Sendable (UInt32, String) -> Void,
         onClosed: @escaping @Sendable (UInt32, DesktopChannel.CloseReason) -> Void) {
        self.busAddress = busAddress
        self.callTimeoutMicroseconds = UInt64(max(callTimeout.timeInterval, 0.001) * 1_000_000)
        self.logger = logger
        self.onAction = onAction
        self.onClosed = onClosed
    }

    /// Runs `body` on the bus queue.
    func run<T: Sendable>(_ body: @escaping @Sendable (NotificationBus) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(self) }) }
        }
    }

    // MARK: - Operations (on `queue`)

    /// `GetCapabilities`, connecting first if needed.
    func capabilities() throws -> Set<String> {
        let bus = try connected()
        let message = try newMethodCall(bus, "GetCapabilities")
        defer { sd_bus_message_unref(message) }
        let reply = try call(bus, message, what: "GetCapabilities")
        defer { sd_bus_message_unref(reply) }
        var result: Set<String> = []
        try check(sd_bus_message_enter_container(reply, type("a"), "s"), "reading the GetCapabilities reply")
        while true {
            var value: UnsafePointer<CChar>?
            let r = sd_bus_message_read_basic(reply, type("s"), &value)
            try check(r, "reading the GetCapabilities reply")
            guard r > 0, let value else { break }
            result.insert(String(cString: value))
        }
        try check(sd_bus_message_exit_container(reply), "reading the GetCapabilities reply")
        return result
    }

    /// `Notify` for `notification`. Without an explicit `replacing`, replaces this
    /// process's previous popup for the same inbox item. Returns the server's id.
    func notify(_ notification: ReminderNotification, replacing explicitID: UInt32?) throws -> UInt32 {
        let capabilities = try capabilities()  // also tells us a server is there right now
        let replacing = explicitID ?? latestByInboxItem[notification.inboxItemID] ?? 0
        let request = DesktopNotificationRequest(notification: notification, replacing: replacing,
                                                 serverCapabilities: capabilities)
        let bus = try connected()
        let message = try newMethodCall(bus, "Notify")
        defer { sd_bus_message_unref(message) }
        try append(request, to: message)
        let reply = try call(bus, message, what: "Notify", drain: false)
        defer { sd_bus_message_unref(reply) }
        // Signals that came in with the reply (a click on this very popup) are
        // dispatched only once the popup is known as ours.
        defer { drainPending(bus) }
        var id: UInt32 = 0
        try check(sd_bus_message_read_basic(reply, type("u"), &id), "reading the Notify reply")
        if let sender = sd_bus_message_get_sender(reply) { serverName = String(cString: sender) }
        issuedIDs.insert(id)
        latestByInboxItem[notification.inboxItemID] = id
        return id
    }

    /// `CloseNotification(id)`.
    func closeNotification(_ id: UInt32) throws {
        let bus = try connected()
        let message = try newMethodCall(bus, "CloseNotification")
        defer { sd_bus_message_unref(message) }
        var value = id
        try check(sd_bus_message_append_basic(message, type("u"), &value), "building CloseNotification")
        sd_bus_message_unref(try call(bus, message, what: "CloseNotification"))
    }

    /// Drops the connection (the next operation makes a new one).
    func disconnect(reason: String) {
        guard let connection else { return }
        logger.debug("desktop: dropping the session bus connection", metadata: ["reason": "\(reason)"])
        self.connection = nil
        connection.close(on: queue)
    }

    // MARK: - Connection

    /// A live, started bus with our signal matches installed.
    private func connected() throws -> OpaquePointer {
        if let connection {
            if sd_bus_is_open(connection.bus) > 0 { return connection.bus }
            disconnect(reason: "the bus connection is closed")
        }
        let address = busAddress()
        var bus: OpaquePointer?
        var r: Int32
        if let address {
            r = sd_bus_new(&bus)
            if r >= 0 { r = sd_bus_set_address(bus, address) }
            // A "bus client" says Hello and gets a unique name, which signals are sent to.
            if r >= 0 { r = sd_bus_set_bus_client(bus, 1) }
            // Bounds the calls sd-bus makes for us (Hello, AddMatch) like our own; its
            // default is 25 s, long enough to stall every delivery behind a frozen bus.
            if r >= 0 { r = sd_bus_set_method_call_timeout(bus, callTimeoutMicroseconds) }
            if r >= 0 { r = sd_bus_start(bus) }
        } else {
            // DBUS_SESSION_BUS_ADDRESS unset: sd-bus falls back to $XDG_RUNTIME_DIR/bus.
            r = sd_bus_open_user(&bus)
            if r >= 0 { r = sd_bus_set_method_call_timeout(bus, callTimeoutMicroseconds) }
        }
        let shown = address.map { "'\($0)'" } ?? "$XDG_RUNTIME_DIR/bus"
        guard r >= 0, let bus else {
            sd_bus_flush_close_unref(bus)
            throw ChannelError(.unavailable, channel: "desktop",
                               "no session bus at \(shown): \(errnoText(r)) (is a desktop session running? DBUS_SESSION_BUS_ADDRESS names its bus)")
        }
        _ = sd_bus_set_description(bus, "relance-desktop")
        let connection = Connection(bus: bus)
        self.connection = connection
        do {
            // The notification server sends ActionInvoked/NotificationClosed to the
            // client that called Notify; matching them installs both the local dispatch
            // and the bus-side rule (servers that broadcast need the latter).
            let userData = Unmanaged.passUnretained(self).toOpaque()
            for member in ["ActionInvoked", "NotificationClosed"] {
                let rule = "type='signal',path='\(Self.objectPath)',interface='\(Self.interface)',member='\(member)'"
                let r = sd_bus_add_match(bus, nil, rule, NotificationBus.signalCallback, userData)
                guard r >= 0 else {
                    throw ChannelError(.unavailable, channel: "desktop", "the session bus at \(shown) did not accept us: \(errnoText(r))")
                }
            }
            drainPending(bus)
            guard self.connection === connection else {
                throw ChannelError(.unavailable, channel: "desktop", "the session bus at \(shown) closed the connection during setup")
            }
            try watch(connection)
        } catch {
            disconnect(reason: "setup failed")
            throw error
        }
        logger.debug("desktop: connected to the session bus", metadata: ["address": "\(shown)"])
        return bus
    }

    /// Wakes the queue when the bus fd is readable and processes everything queued.
    private func watch(_ connection: Connection) throws {
        let fd = sd_bus_get_fd(connection.bus)
        try check(fd, "getting the bus file descriptor")
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [self, connection] in
            guard self.connection === connection else { return }
            drainPending(connection.bus)
        }
        // The fd belongs to sd-bus: close it (unref the bus) only once Dispatch has let go.
        source.setCancelHandler { [connection] in connection.release() }
        connection.source = source
        source.resume()
    }

    /// Runs `sd_bus_process` until it has nothing left (0). Needed after every
    /// synchronous call too: `sd_bus_call` reads whatever arrives while it waits, signals
    /// included, and queues them; the fd will not wake us again for those.
    private func drainPending(_ bus: OpaquePointer) {
        while true {
            let r = sd_bus_process(bus, nil)
            if r == 0 { break }
            if r < 0 {
                disconnect(reason: "sd_bus_process: \(errnoText(r))")
                return
            }
        }
        // Replies we queued while processing (e.g. to a peer's Ping) go out now.
        if sd_bus_get_events(bus) & Int32(POLLOUT) != 0 { _ = sd_bus_flush(bus) }
    }

    // MARK: - Signals

    /// sd-bus match callback; `userData` is this object (unretained: the connection, and
    /// so the match, never outlives it).
    private static let signalCallback: sd_bus_message_handler_t = { message, userData, _ in
        guard let message, let userData else { return 0 }
        Unmanaged<NotificationBus>.fromOpaque(userData).takeUnretainedValue().handleSignal(message)
        return 0
    }

    private func handleSignal(_ message: OpaquePointer) {
        let member = sd_bus_message_get_member(message).map { String(cString: $0) } ?? ""
        let sender = sd_bus_message_get_sender(message).map { String(cString: $0) }
        var id: UInt32 = 0
        guard sd_bus_message_read_basic(message, type("u"), &id) > 0 else { return }
        guard issuedIDs.contains(id), serverName == nil || sender == serverName else {
            logger.trace("desktop: ignoring \(member) for a notification we did not send", metadata: ["id": "\(id)"])
            return
        }
        switch member {
        case "ActionInvoked":
            var key: UnsafePointer<CChar>?
            guard sd_bus_message_read_basic(message, type("s"), &key) > 0, let key else { return }
            onAction(id, String(cString: key))
        case "NotificationClosed":
            var reason: UInt32 = 0
            guard sd_bus_message_read_basic(message, type("u"), &reason) > 0 else { return }
            issuedIDs.remove(id)
            latestByInboxItem = latestByInboxItem.filter { $0.value != id }
            onClosed(id, DesktopChannel.CloseReason(rawValue: reason))
        default:
            break
        }
    }

    // MARK: - Messages

    private func newMethodCall(_ bus: OpaquePointer, _ member: String) throws -> OpaquePointer {
        var message: OpaquePointer?
        try check(sd_bus_message_new_method_call(bus, &message, Self.destination, Self.objectPath, Self.interface, member),
                  "building \(member)")
        return message!
    }

    /// `Notify(s app_name, u replaces_id, s app_icon, s summary, s body, as actions,
    /// a{sv} hints, i expire_timeout)`, appended one basic value or container at a time
    /// (`sd_bus_message_append` is variadic, which Swift cannot call).
    private func append(_ request: DesktopNotificationRequest, to message: OpaquePointer) throws {
        func string(_ value: String) throws {
            try check(sd_bus_message_append_basic(message, type("s"), value), "building Notify")
        }
        func container(_ kind: Character, _ contents: String, _ body: () throws -> Void) throws {
            try check(sd_bus_message_open_container(message, type(kind), contents), "building Notify")
            try body()
            try check(sd_bus_message_close_container(message), "building Notify")
        }
        try string(request.appName)
        var replaces = request.replacesID
        try check(sd_bus_message_append_basic(message, type("u"), &replaces), "building Notify")
        try string(request.appIcon)
        try string(request.summary)
        try string(request.body)
        try container("a", "s") { for action in request.actions { try string(action) } }
        try container("a", "{sv}") {
            try container("e", "sv") {
                try string("urgency")
                try container("v", "y") {
                    var urgency = request.urgency.rawValue
                    try check(sd_bus_message_append_basic(message, type("y"), &urgency), "building Notify")
                }
            }
            for (key, value) in [("category", request.category), ("desktop-entry", request.desktopEntry)] {
                try container("e", "sv") {
                    try string(key)
                    try container("v", "s") { try string(value) }
                }
            }
        }
        var timeout = request.expireTimeout
        try check(sd_bus_message_append_basic(message, type("i"), &timeout), "building Notify")
    }

    /// A synchronous call, then the drain that must follow it. Maps D-Bus errors to
    /// channel errors: "no notification server" is ``ChannelError/Code/unavailable``.
    /// - Parameter drain: false when the caller must do its bookkeeping first (a signal
    ///   read along with the reply may be about the popup the reply just created) and
    ///   drains itself afterwards.
    private func call(_ bus: OpaquePointer, _ message: OpaquePointer, what: String, drain: Bool = true) throws -> OpaquePointer {
        var error = sd_bus_error()
        var reply: OpaquePointer?
        let r = sd_bus_call(bus, message, callTimeoutMicroseconds, &error, &reply)
        defer { sd_bus_error_free(&error) }
        if drain || r < 0 { drainPending(bus) }
        if r >= 0, let reply { return reply }

        let name = error.name.map { String(cString: $0) }
        let text = error.message.map { String(cString: $0) } ?? errnoText(r)
        if sd_bus_is_open(bus) <= 0 { disconnect(reason: "\(what) failed: \(text)") }
        switch name {
        case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
            throw ChannelError(.unavailable, channel: "desktop",
                               "no notification server (\(Self.destination)) on the session bus: \(text) (start one, e.g. dunst or the desktop's own)")
        case "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout":
            throw ChannelError(.timedOut, channel: "desktop", "the notification server did not answer \(what): \(text)")
        case nil where r == -ETIMEDOUT:
            throw ChannelError(.timedOut, channel: "desktop", "the notification server did not answer \(what) in time")
        case nil where [-ENOTCONN, -ECONNRESET, -EPIPE].contains(r):
            disconnect(reason: "\(what): \(text)")
            throw ChannelError(.unavailable, channel: "desktop", "the session bus went away during \(what): \(text)")
        default:
            throw ChannelError(.deliveryFailed, channel: "desktop", "\(what) failed: \(name.map { "\($0): " } ?? "")\(text)")
        }
    }

    private func check(_ r: Int32, _ doing: String) throws {
        if r < 0 {
            throw ChannelError(.deliveryFailed, channel: "desktop", "sd-bus failed \(doing): \(errnoText(r))")
        }
    }

    private func type(_ c: Character) -> CChar { CChar(bitPattern: c.asciiValue!) }

    private func errnoText(_ r: Int32) -> String { String(cString: strerror(-r)) }

    /// The sd-bus handle and its fd watcher. Released once, from the source's cancel
    /// handler, or in a later turn of the queue if there never was a source: either way
    /// never under the feet of code still holding the pointer in the current turn.
    final class Connection: @unchecked Sendable {
        let bus: OpaquePointer
        var source: DispatchSourceRead?
        private var released = false

        init(bus: OpaquePointer) { self.bus = bus }

        func close(on queue: DispatchQueue) {
            if let source {
                self.source = nil
                source.cancel()
            } else {
                queue.async { self.release() }
            }
        }

        func release() {
            guard !released else { return }
            released = true
            sd_bus_flush_close_unref(bus)
        }
    }
}
