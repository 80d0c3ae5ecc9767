import CCurl
import Foundation
import NIOConcurrencyHelpers

/// One libcurl easy transfer to an SMTP server. Blocking: run it from ``BlockingWork``.
///
/// A fresh handle per send: reminders are rare, and a handle that never outlives one
/// transfer cannot leak a half-broken connection into the next.
enum CurlSMTPSession {
    struct Settings: Sendable {
        var url: String
        var displayURL: String
        var implicitTLS: Bool
        var username: String?
        var password: [UInt8]?
        var caFile: String?
        var connectTimeoutMilliseconds: Int
        var timeoutMilliseconds: Int
    }

    /// `curl_global_init` once, before the first handle (it is not safe to race).
    private static let globalInit: CURLcode = relance_curl_global_init()

    /// Runs the transfer: with `upload`, submits the message; without, only connects,
    /// secures and logs in (a probe). Returns the server's last reply line.
    static func perform(_ settings: Settings, upload: (from: String, recipients: [String], bytes: [UInt8])?,
                        cancellation: CancellationFlag) throws -> String {
        guard globalInit == CURLE_OK else {
            throw ChannelError(.deliveryFailed, channel: "smtp", "libcurl failed to initialise: \(String(cString: curl_easy_strerror(globalInit)))")
        }
        guard let handle = curl_easy_init() else {
            throw ChannelError(.deliveryFailed, channel: "smtp", "libcurl could not create a transfer handle")
        }
        defer { curl_easy_cleanup(handle) }

        let exchange = Exchange(bytes: upload?.bytes ?? [], cancellation: cancellation)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var recipientList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipientList) }

        // Options fail only for unknown options or out of memory: collect the first error.
        var setupError: CURLcode = CURLE_OK
        func check(_ code: CURLcode) { if setupError == CURLE_OK { setupError = code } }
        func long(_ option: CURLoption, _ value: Int) { check(relance_curl_setopt_long(handle, option, value)) }
        func string(_ option: CURLoption, _ value: String) { check(relance_curl_setopt_string(handle, option, value)) }

        check(relance_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        string(CURLOPT_URL, settings.url)
        // Only SMTP, even if a future change let a URL through: no file://, no redirects.
        string(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        // Timeouts without SIGALRM: signals are process-wide and the daemon is threaded.
        long(CURLOPT_NOSIGNAL, 1)
        long(CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeoutMilliseconds)
        long(CURLOPT_TIMEOUT_MS, upload == nil ? settings.connectTimeoutMilliseconds : settings.timeoutMilliseconds)
        if !settings.implicitTLS {
            // STARTTLS or nothing: fail instead of falling back to clear text.
            long(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        }
        long(CURLOPT_SSL_VERIFYPEER, 1)
        long(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile = settings.caFile { string(CURLOPT_CAINFO, caFile) }
        if let username = settings.username { string(CURLOPT_USERNAME, username) }
        if let password = settings.password {
            // Bytes, not a String: a password need not be UTF-8. curl copies it.
            (password + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { check(relance_curl_setopt_string(handle, CURLOPT_PASSWORD, $0.baseAddress)) }
            }
        }

        let context = Unmanaged.passUnretained(exchange).toOpaque()
        check(relance_curl_setopt_header_function(handle, headerCallback))
        check(relance_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context))
        long(CURLOPT_NOPROGRESS, 0)
        check(relance_curl_setopt_xferinfo_function(handle, progressCallback))
        check(relance_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context))

        if let upload {
            string(CURLOPT_MAIL_FROM, "<\(upload.from)>")
            for recipient in upload.recipients { recipientList = curl_slist_append(recipientList, "<\(recipient)>") }
            check(relance_curl_setopt_slist(handle, CURLOPT_MAIL_RCPT, recipientList))
            long(CURLOPT_UPLOAD, 1)
            check(relance_curl_setopt_read_function(handle, readCallback))
            check(relance_curl_setopt_pointer(handle, CURLOPT_READDATA, context))
        } else {
            long(CURLOPT_CONNECT_ONLY, 1)
        }
        guard setupError == CURLE_OK else {
            throw ChannelError(.deliveryFailed, channel: "smtp", "libcurl rejected an option: \(String(cString: curl_easy_strerror(setupError)))")
        }

        let code = withExtendedLifetime(exchange) { curl_easy_perform(handle) }
        let lastReply = exchange.lastReply
        guard code != CURLE_OK else { return lastReply }

        var detail = String(cString: errorBuffer)
        if detail.isEmpty { detail = String(cString: curl_easy_strerror(code)) }
        let said = lastReply.isEmpty ? "" : " (server said: \(lastReply))"
        let place = "SMTP \(upload == nil ? "login" : "submission") to \(settings.displayURL)"
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            throw ChannelError(.timedOut, channel: "smtp", "\(place) timed out: \(detail)\(said)")
        case CURLE_LOGIN_DENIED:
            throw ChannelError(.authenticationFailed, channel: "smtp",
                               "\(place): the server refused the user name or password: \(detail)\(said). Check the user name and the password file.")
        case CURLE_USE_SSL_FAILED:
            throw ChannelError(.deliveryFailed, channel: "smtp",
                               "\(place): the server does not offer STARTTLS, and mail is never sent in clear text: \(detail)\(said). Use smtps:// if it speaks implicit TLS.")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            throw ChannelError(.deliveryFailed, channel: "smtp",
                               "\(place): the server's TLS certificate could not be verified: \(detail). Check the host name, or set the CA file.")
        case CURLE_ABORTED_BY_CALLBACK where cancellation.isCancelled:
            throw ChannelError(.cancelled, channel: "smtp", "\(place) was cancelled")
        default:
            throw ChannelError(.deliveryFailed, channel: "smtp", "\(place) failed: \(detail)\(said)")
        }
    }

    /// State the C callbacks reach through their user-data pointer. Used by the one
    /// thread inside `curl_easy_perform`, hence no locking.
    private final class Exchange {
        let bytes: [UInt8]
        var offset = 0
        var lastReply = ""
        var partialReply: [UInt8] = []
        let cancellation: CancellationFlag

        init(bytes: [UInt8], cancellation: CancellationFlag) {
            self.bytes = bytes
            self.cancellation = cancellation
        }
    }

    /// CURLOPT_READFUNCTION: the next piece of the message; 0 at the end.
    private static let readCallback: curl_read_callback = { buffer, size, count, userData in
        guard let buffer, let userData else { return 0 }
        let exchange = Unmanaged<Exchange>.fromOpaque(userData).takeUnretainedValue()
        let n = min(size * count, exchange.bytes.count - exchange.offset)
        guard n > 0 else { return 0 }
        exchange.bytes.withUnsafeBufferPointer { source in
            UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + exchange.offset, byteCount: n)
        }
        exchange.offset += n
        return n
    }

    /// CURLOPT_HEADERFUNCTION: for SMTP, curl passes each server response line here; we
    /// keep the last one for the receipt and for error messages. (Only what the server
    /// says: our own AUTH line, with the password, never goes through this callback.)
    private static let headerCallback: curl_write_callback = { data, size, count, userData in
        let n = size * count
        guard let data, let userData else { return n }
        let exchange = Unmanaged<Exchange>.fromOpaque(userData).takeUnretainedValue()
        exchange.partialReply += UnsafeRawBufferPointer(start: data, count: n)
        if exchange.partialReply.last == 0x0A {
            let line = String(decoding: exchange.partialReply, as: UTF8.self).trimmingSpacesAndNewlines
            if !line.isEmpty { exchange.lastReply = line }
            exchange.partialReply = []
        }
        return n
    }

    /// CURLOPT_XFERINFOFUNCTION: non-zero aborts, which is how task cancellation reaches
    /// a transfer blocked in `curl_easy_perform`.
    private static let progressCallback: curl_xferinfo_callback = { userData, _, _, _, _ in
        guard let userData else { return 0 }
        return Unmanaged<Exchange>.fromOpaque(userData).takeUnretainedValue().cancellation.isCancelled ? 1 : 0
    }
}
