// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Relance",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "relanced", targets: ["relanced"]),
        .executable(name: "relancectl", targets: ["relancectl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Without its default trait (SubprocessFoundation: Data inputs and outputs, unused here).
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        // FilePath and FileDescriptor, the types swift-subprocess speaks (already in the graph via swift-nio).
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        // PostgreSQL for team mode (issue #16): the engine's row locks, LISTEN/NOTIFY.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // TLS to the team database (already in the graph via postgres-nio).
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // Pure domain: types, timing rules, the scheduler state machine. Foundation only.
        .target(name: "RelanceCore", dependencies: [
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        // SQLite through GRDB: migrations and one-transaction write methods.
        .target(name: "RelanceStore", dependencies: [
            "RelanceCore",
            .product(name: "GRDB", package: "GRDB.swift"),
            // sqlite3_wal_hook and sqlite3_wal_checkpoint_v2 (WALCheckpointer).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // PostgreSQL, for several nodes sharing one pipeline (team mode): the same firing
        // contract as RelanceStore, exactly once across nodes by the engine's row locks.
        .target(name: "RelanceTeamStore", dependencies: [
            "RelanceCore", "RelanceStore",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // Varlink messages, NUL framing, errors. No I/O.
        .target(name: "VarlinkProtocol"),
        // The io.relance.Control interface: IDL, Codable parameters and replies, errors.
        .target(name: "RelanceAPI", dependencies: ["VarlinkProtocol"], exclude: ["io.relance.Control.varlink"]),
        // Unix-socket Varlink server and client on SwiftNIO.
        .target(name: "VarlinkTransport", dependencies: [
            "VarlinkProtocol",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // timerfd(2) wrappers (clock-change notices), which Glibc's module does not export.
        .target(name: "CTimerFD"),
        // Wiring as services: scheduler shell, control handlers, configuration.
        .target(name: "RelanceDaemon", dependencies: [
            "CTimerFD", "RelanceCore", "RelanceStore", "RelanceTeamStore", "RelanceAPI", "VarlinkProtocol", "VarlinkTransport", "RelanceCalendar",
            "RelanceDelivery", "RelanceInterchange",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "TOMLKit", package: "TOMLKit"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        // libsystemd (sd-daemon, sd-journal, sd-bus) as a C module, and its Swift wrapper.
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .target(name: "SystemdSupport", dependencies: [
            "CSystemd",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libical (RFC 5545: RRULE/EXDATE/RDATE expansion, .ics parsing) and its wrapper.
        .systemLibrary(name: "CICal", pkgConfig: "libical", providers: [.apt(["libical-dev"])]),
        .target(name: "RelanceCalendar", dependencies: ["CICal", "RelanceCore"]),
        // Contacts and events in and out: vCard, LinkedIn/generic CSV, iCalendar export.
        .target(name: "RelanceInterchange", dependencies: ["RelanceCore", "RelanceCalendar"]),
        // What the daemon delivers through: the channel protocol, notifications, errors and
        // the recording twin. C-free, so the daemon links neither libcurl nor libsystemd.
        .target(name: "RelanceDelivery", dependencies: [
            "RelanceCore",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // memfd_create(2), which Glibc's module does not export: the message on a command's stdin.
        .target(name: "CMemFD"),
        // libcurl (SMTP submission) and the delivery channels: mail (SMTP, or a sendmail command
        // run through swift-subprocess), desktop (sd-bus).
        // The GnuTLS flavour of the headers: libetpan-dev (below) depends on it and conflicts with
        // the OpenSSL one; the API is the same.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-gnutls-dev"])]),
        .target(name: "RelanceChannels", dependencies: [
            "CCurl", "CMemFD", "CSystemd", "RelanceCore", "RelanceDelivery",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        // libetpan (mailimap: a maintained C IMAP library, Claws Mail's and Sylpheed's
        // heritage, in Debian as libetpan-dev) and GnuTLS, which verifies the server's
        // certificate (Debian's libetpan does not); the IMAP source on top of it.
        .systemLibrary(name: "CEtPan", providers: [.apt(["libetpan-dev"])]),
        .target(name: "RelanceIMAP", dependencies: [
            "CEtPan", "RelanceCore",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .executableTarget(name: "relanced", dependencies: [
            "RelanceDaemon", "RelanceChannels", "RelanceIMAP", "SystemdSupport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(name: "relancectl", dependencies: [
            "RelanceAPI", "RelanceCore", "VarlinkProtocol", "VarlinkTransport",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], linkerSettings: [
            // The Swift runtime and Foundation linked in: a command starts in ≈ 4 ms instead
            // of ≈ 8 (no dynamic symbol binding for them; issue #15). Only the client: the
            // daemon's start-up does not matter, and NIO finds the runtime's executor hook
            // with dlsym, which a static runtime hides.
            .unsafeFlags(["-static-stdlib"] + [
                "Foundation", "FoundationInternationalization", "FoundationEssentials", "CoreFoundation",
                "_FoundationCollections", "_FoundationCShims", "_FoundationICU", "swiftSynchronization", "stdc++",
            ].map { "-l" + $0 }),
            // Linked at a fixed address in release: the loader then has no 90 000 relative
            // relocations to apply and no copy-on-write faults on the pages they touch
            // (≈ 1.3 ms of a 7 ms `relancectl remind`; issue #15). The price, no address
            // randomisation for this short-lived client's own image, is not paid by the
            // daemon, which stays position-independent (and so do sanitizer builds).
            .unsafeFlags(["-Xlinker", "-no-pie"], .when(configuration: .release)),
        ]),
        // Benchmarks: `scripts/bench` (release build).
        .executableTarget(name: "relance-bench", dependencies: [
            "RelanceCore", "RelanceStore", "RelanceDaemon", "RelanceAPI", "VarlinkProtocol", "VarlinkTransport",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // Fuzzing: every reader of outside input under libFuzzer (`scripts/fuzz`); in an
        // ordinary build the same program replays a corpus.
        .executableTarget(name: "relance-fuzz", dependencies: [
            "RelanceAPI", "RelanceCalendar", "RelanceCore", "RelanceDaemon", "RelanceInterchange", "VarlinkProtocol",
        ]),
        // Test helpers: manual clock, recording sinks.
        .target(name: "RelanceTestKit", dependencies: [
            "RelanceCore",
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        .testTarget(name: "RelanceCoreTests", dependencies: ["RelanceCore", "RelanceTestKit"], exclude: ["Fixtures"]),
        .testTarget(name: "RelanceStoreTests", dependencies: ["RelanceStore", "RelanceCore", "RelanceTestKit"]),
        .testTarget(name: "RelanceTeamStoreTests", dependencies: [
            "RelanceTeamStore", "RelanceStore", "RelanceCore", "RelanceDaemon", "RelanceDelivery", "RelanceTestKit",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "VarlinkProtocolTests", dependencies: [
            "VarlinkProtocol", "VarlinkTransport", "RelanceAPI", "RelanceTestKit",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
        ]),
        .testTarget(name: "RelanceCalendarTests", dependencies: ["RelanceCalendar", "RelanceCore", "RelanceTestKit"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "RelanceInterchangeTests", dependencies: ["RelanceInterchange", "RelanceCore", "RelanceTestKit"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "RelanceChannelsTests", dependencies: ["RelanceChannels", "RelanceCore", "RelanceTestKit"]),
        .testTarget(name: "RelanceDaemonTests", dependencies: [
            "RelanceDaemon", "RelanceCore", "RelanceStore", "RelanceAPI", "VarlinkProtocol", "VarlinkTransport", "RelanceTestKit",
            "RelanceChannels", "RelanceIMAP",
        ]),
    ],
    swiftLanguageModes: [.v6]
)
