import Foundation

/// Standard input for `relancectl ingest`: the first `limit` bytes are kept, the rest is
/// read and thrown away (a 50 MB message costs 64 KiB of memory, and procmail's pipe
/// never breaks on a reader that stopped early).
enum IngestInput {
    static func read(descriptor: Int32 = STDIN_FILENO, limit: Int) -> (kept: [UInt8], total: Int) {
        var kept: [UInt8] = []
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            if kept.count < limit { kept += buffer[0..<min(count, limit - kept.count)] }
            total += count
        }
        return (kept, total)
    }
}
