/// What a channel reports back after a successful delivery, recorded on the inbox item.
public struct DeliveryReceipt: Sendable, Hashable, Codable {
    /// The channel's own key for what it delivered: the mail `Message-ID`
    /// (`<relance.inbox-42.mail@host>`), the desktop notification id in decimal (`"7"`),
    /// or any free-form note. Meant for people and logs; callers that need a typed value
    /// (the desktop id for `replaces_id`) get it from the channel's own API.
    public var detail: String

    /// A receipt with the given detail.
    public init(detail: String) { self.detail = detail }
}
