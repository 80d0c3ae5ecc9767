extension Duration {
    /// The duration in seconds, for Dispatch deadlines and libcurl/sd-bus timeouts.
    var timeInterval: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
