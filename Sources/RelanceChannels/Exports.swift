// The channels implement RelanceDelivery's protocol; whoever uses a channel uses its
// types (ReminderNotification, DeliveryReceipt, ChannelError…) too.
@_exported import RelanceDelivery
