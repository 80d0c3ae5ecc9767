import Dispatch
import Foundation
import NIOCore
import NIOPosix
import RelanceDaemon

/// The process entry. NIO's event loops become Swift concurrency's global executor
/// before the first task runs, so no work lands on libdispatch's global queues: the
/// first job there starts libdispatch's thread-pool monitor on Linux, a 1 Hz timer that
/// would wake an idle daemon every second for as long as it runs.
@main
enum Entry {
    static func main() {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        ConfigurationLoader.preflight = { ConfigurationPreflight.check(path: $0) }
        Task {
            await Relanced.main()
            exit(0)
        }
        dispatchMain()
    }
}
