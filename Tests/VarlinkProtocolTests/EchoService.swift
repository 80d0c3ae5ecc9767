import VarlinkProtocol
import VarlinkTransport

/// The service the transport tests talk to: `com.example.Echo.Echo(text)` answers `{text}`.
struct EchoService: VarlinkService {
    let info = VarlinkServiceInfo(vendor: "Example", product: "echo", version: "1", url: "https://example.com")
    let interfaces = [VarlinkInterfaceDescription(parsing: """
        interface com.example.Echo
        method Echo(text: string) -> (text: string)
        """)]
    func handle(_ call: VarlinkCall, replies: VarlinkReplyWriter) async throws {
        try await replies.send(VarlinkReply(parameters: ["text": call.parameters?["text"] ?? .null]))
    }
}
