import RelanceDelivery

/// The channels a daemon delivers through, built by `main` from the configuration.
public struct DeliveryChannels: Sendable {
    /// One outbox job per fired item for each of these.
    public var channels: [any DeliveryChannel] = []
    /// The channel the daily digest goes through, if any.
    public var digest: (any DeliveryChannel)?

    public init(channels: [any DeliveryChannel] = [], digest: (any DeliveryChannel)? = nil) {
        self.channels = channels
        self.digest = digest
    }
}

/// Builds the configured channels. A desktop button press is reported through
/// `onAction` (notification id, action key); a closed popup through `onClosed`.
public typealias ChannelMaker = @Sendable (_ settings: ChannelSettings, _ onAction: @escaping @Sendable (UInt32, String) -> Void,
                                           _ onClosed: @escaping @Sendable (UInt32, String) -> Void) throws -> DeliveryChannels
