import CSystemd
import Foundation

/// Sockets passed by systemd socket activation (`sd_listen_fds_with_names(3)`).
public enum SocketActivation {
    /// The listening socket named `name` (the socket unit's `FileDescriptorName=`), or
    /// the only one passed when it carries no name. Unsets `LISTEN_*` so children do not
    /// inherit them.
    public static func listeningSocket(named name: String) -> CInt? {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return nil }
        defer {
            if let names {
                for index in 0..<Int(count) { free(names[index]) }
                free(names)
            }
        }
        let labels = (0..<Int(count)).map { index in names?[index].map { String(cString: $0) } ?? "unknown" }
        if let index = labels.firstIndex(of: name) { return SD_LISTEN_FDS_START + CInt(index) }
        if count == 1 && labels[0] == "unknown" { return SD_LISTEN_FDS_START }
        return nil
    }
}
