import NIOCore
import VarlinkProtocol

/// One NUL-delimited frame read from the socket.
public enum VarlinkFrame: Sendable, Equatable {
    /// A message's bytes, terminator removed.
    case message(ByteBuffer)
    /// More than the limit arrived without a terminator: the stream cannot be resynchronised.
    case oversized
}

/// Splits the byte stream at NUL bytes (Varlink's framing). After an oversized frame it
/// discards everything: the peer is answered once and the connection closed.
public struct VarlinkFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = VarlinkFrame

    private let maximumMessageSize: Int
    private var discarding = false

    public init(maximumMessageSize: Int = VarlinkFraming.maximumMessageSize) {
        self.maximumMessageSize = maximumMessageSize
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if discarding {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        if let terminator = buffer.readableBytesView.firstIndex(of: 0) {
            let length = terminator - buffer.readerIndex
            guard length <= maximumMessageSize else { return oversized(context: context, buffer: &buffer) }
            let message = buffer.readSlice(length: length)!
            buffer.moveReaderIndex(forwardBy: 1)
            context.fireChannelRead(wrapInboundOut(.message(message)))
            return .continue
        }
        if buffer.readableBytes > maximumMessageSize { return oversized(context: context, buffer: &buffer) }
        return .needMoreData
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A trailing partial frame at EOF is dropped: the peer never finished it.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    private mutating func oversized(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        discarding = true
        buffer.moveReaderIndex(to: buffer.writerIndex)
        context.fireChannelRead(wrapInboundOut(.oversized))
        return .needMoreData
    }
}
