import Foundation
import RelanceAPI
import Testing

/// The `/tmp` fallback for the control socket is trusted only when it is a real
/// directory of ours that nobody else can enter (issue #14: another local user who made
/// `/tmp/relance-UID` first could otherwise put an impostor socket there).
@Suite struct SocketDirectoryTests {
    func paths(_ base: URL, uid: UInt32 = getuid()) -> RelancePaths {
        RelancePaths(environment: ["HOME": base.path], uid: uid, sharedTemporary: base.path)
    }

    func temporary() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("relance-paths-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func withoutARuntimeDirectoryTheSocketIsInTheFallback() throws {
        let base = try temporary()
        defer { try? FileManager.default.removeItem(at: base) }
        let paths = paths(base)
        #expect(paths.controlSocket == "\(base.path)/relance-\(getuid())/io.relance.Control")
        try paths.checkSocketDirectory(of: paths.controlSocket)  // not there yet: fine
    }

    @Test func aPrivateDirectoryOfOursIsTrusted() throws {
        let base = try temporary()
        defer { try? FileManager.default.removeItem(at: base) }
        let paths = paths(base)
        #expect(mkdir(paths.fallbackDirectory, 0o700) == 0)
        try paths.checkSocketDirectory(of: paths.controlSocket)
    }

    @Test func aDirectoryOpenToOthersIsRefused() throws {
        let base = try temporary()
        defer { try? FileManager.default.removeItem(at: base) }
        let paths = paths(base)
        #expect(mkdir(paths.fallbackDirectory, 0o700) == 0)
        #expect(chmod(paths.fallbackDirectory, 0o777) == 0)
        let error = #expect(throws: UnsafeSocketDirectory.self) { try paths.checkSocketDirectory(of: paths.controlSocket) }
        #expect(error?.problem.contains("open to other users") == true)
    }

    @Test func aSymlinkIsRefused() throws {
        let base = try temporary()
        defer { try? FileManager.default.removeItem(at: base) }
        let paths = paths(base)
        let elsewhere = base.appendingPathComponent("elsewhere").path
        #expect(mkdir(elsewhere, 0o700) == 0)
        #expect(symlink(elsewhere, paths.fallbackDirectory) == 0)
        let error = #expect(throws: UnsafeSocketDirectory.self) { try paths.checkSocketDirectory(of: paths.controlSocket) }
        #expect(error?.problem == "is a symbolic link")
    }

    @Test func someoneElsesDirectoryIsRefused() throws {
        let base = try temporary()
        defer { try? FileManager.default.removeItem(at: base) }
        // Our directory, seen as the fallback of another uid: it belongs to us, not them.
        let other = paths(base, uid: getuid() &+ 4242)
        #expect(mkdir(other.fallbackDirectory, 0o700) == 0)
        let error = #expect(throws: UnsafeSocketDirectory.self) { try other.checkSocketDirectory(of: other.controlSocket) }
        #expect(error?.problem.contains("belongs to uid \(getuid())") == true)
        #expect(error?.description.contains("XDG_RUNTIME_DIR") == true)
    }

    @Test func aSocketGivenOnPurposeIsNotChecked() throws {
        let base = try temporary()
        defer { try? FileManager.default.removeItem(at: base) }
        #expect(chmod(base.path, 0o777) == 0)
        try paths(base).checkSocketDirectory(of: base.appendingPathComponent("ctl.sock").path)
    }
}
