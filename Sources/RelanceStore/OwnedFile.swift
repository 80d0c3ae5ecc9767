import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A file a caller names, read by the daemon for them: through one descriptor, which is
/// also the one whose type, size and owner are checked, so the file cannot be swapped
/// between the check and the read. A node serving several local users reads only what
/// the caller owns (it would read anything else with its own rights).
public enum OwnedFile {
    public enum Failure: Error, Equatable {
        case missing
        /// errno's text.
        case unreadable(String)
        case notARegularFile
        case tooLarge(bytes: Int64)
        case notYours(owner: uid_t)
    }

    /// The file's bytes; `owner` nil takes any owner.
    public static func read(_ path: String, owner: uid_t?, limit: Int) throws(Failure) -> Data {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw .missing }
            throw .unreadable(String(cString: strerror(code)))
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile }
        guard info.st_size <= limit else { throw .tooLarge(bytes: Int64(info.st_size)) }
        if let owner, info.st_uid != owner { throw .notYours(owner: info.st_uid) }
        do {
            return try handle.readToEnd() ?? Data()
        } catch {
            throw .unreadable(error.localizedDescription)
        }
    }
}
