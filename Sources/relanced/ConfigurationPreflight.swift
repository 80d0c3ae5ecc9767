import Glibc
import RelanceDaemon

/// Reads the configuration file in a child of relanced (`--check-config`) before the
/// daemon reads it itself: TOMLKit's toml++ aborts the process on some malformed files
/// (`s = [}`; fuzzing found several) instead of reporting them. A child that dies by a
/// signal means the file must be refused; anything else, and the parent reads it,
/// finding the same error a clean child reported, with its line.
enum ConfigurationPreflight {
    /// Set in the child, so that it reads the file itself.
    static let childVariable = "RELANCE_CONFIGURATION_PREFLIGHT_CHILD"

    static func check(path: String) -> ConfigurationError? {
        guard getenv(childVariable) == nil else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The child's messages are the parent's to give.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = ["relanced", "--check-config", "--config", path]
        var environment: [String] = []
        var entry = environ
        while let pointer = entry.pointee {
            environment.append(String(cString: pointer))
            entry += 1
        }
        environment.append(childVariable + "=1")
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        guard posix_spawn(&pid, "/proc/self/exe", &actions, nil, argv, envp) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        guard signal != 0 && signal != 0x7f else { return nil }  // exited (WIFSIGNALED is false)
        return ConfigurationError(path: path, line: nil,
                                  message: "the TOML reader gave up on this file without saying where (TOMLKit stops on some malformed lines instead of reporting them); check its brackets, quotes and = signs")
    }
}
