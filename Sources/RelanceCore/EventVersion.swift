import Foundation

/// Which version of a calendar event is newer, as RFC 5545 says a calendar client
/// decides it: the higher SEQUENCE (§3.8.7.4) wins; with equal SEQUENCEs, the later
/// LAST-MODIFIED (§3.8.7.3), else DTSTAMP (§3.8.7.2, which stands for LAST-MODIFIED in
/// a file without METHOD).
public struct EventVersion: Sendable, Hashable, Codable, CustomStringConvertible {
    /// SEQUENCE: 0 when absent.
    public var sequence: Int
    /// LAST-MODIFIED, else DTSTAMP (UTC); nil when the file gives neither, or for an
    /// event stored before versions were kept.
    public var stamp: Date?

    /// A version from its parts.
    public init(sequence: Int = 0, stamp: Date? = nil) {
        self.sequence = sequence
        self.stamp = stamp
    }

    /// Whether this version replaces `other`: a higher sequence, or the same sequence
    /// and a strictly later stamp (a known stamp is later than an unknown one).
    public func supersedes(_ other: EventVersion) -> Bool {
        if sequence != other.sequence { return sequence > other.sequence }
        guard let stamp else { return false }
        guard let older = other.stamp else { return true }
        return stamp > older
    }

    /// "SEQUENCE 2, modified 2026-03-01T10:00:00Z", for reports.
    public var description: String {
        var text = "SEQUENCE \(sequence)"
        if let stamp { text += ", modified " + LocalDateTime(stamp, in: TimeZone(identifier: "UTC")!).description + "Z" }
        return text
    }
}
