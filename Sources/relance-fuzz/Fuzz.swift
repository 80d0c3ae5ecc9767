import Foundation
import RelanceAPI
import RelanceCalendar
import RelanceCore
import RelanceDaemon
import RelanceInterchange
import VarlinkProtocol

/// relance-fuzz: every reader of outside input, one at a time.
///
///     RELANCE_FUZZ_TARGET=ics relance-fuzz [libFuzzer options] [CORPUS…]   built with
///         -sanitize=fuzzer -DFUZZING (scripts/fuzz): libFuzzer's own main drives it
///     relance-fuzz TARGET FILE_OR_DIRECTORY…   any other build: replays the files
///
/// A reader may reject its input (that is its job); it must not crash, hang or run
/// away with memory. See BENCHMARKS.md for the runs.
enum Fuzz {
    nonisolated(unsafe) static var target = Target.varlink

    enum Target: String, CaseIterable {
        case varlink, vcard, csv, ics, toml, mail

        func read(_ bytes: UnsafeBufferPointer<UInt8>) {
            let text = String(decoding: bytes, as: UTF8.self)
            switch self {
            case .varlink: Self.readVarlink(bytes)
            case .vcard: _ = VCardParser.parse(text, file: "fuzz.vcf")
            case .csv:
                _ = CSVContactsParser.parse(text, file: "fuzz.csv", format: .linkedin)
                _ = CSVContactsParser.parse(text, file: "fuzz.csv", format: .generic())
            case .ics: _ = try? ICSParser.events(fromICS: text)
            case .toml: _ = try? ConfigurationLoader.parse(text, path: "fuzz.toml")
            case .mail: Self.readMail(text)
            }
        }

        /// The server's typed reading of `Remind` (and `AddContact`): its plain calls
        /// go through `FlatCallReader`, the others through the one-pass decoder.
        private static let typedDecoder = VarlinkFraming.callDecoder(VarlinkParameterTypes(entries: [
            "io.relance.Control.Remind": .init(type: Remind.Parameters.self, declared: ["at", "text", "contact"]),
            "io.relance.Control.AddContact": .init(type: AddContact.Parameters.self, declared: ["name", "emails", "handles"]),
        ]))

        /// Frames split at NUL as the server does; each call decoded (untyped, and typed as
        /// the server reads it), then its parameters as the parameters of a few methods with
        /// every kind of field.
        private static func readVarlink(_ bytes: UnsafeBufferPointer<UInt8>) {
            for frame in bytes.split(separator: 0, omittingEmptySubsequences: false) {
                _ = try? VarlinkFraming.decodeCall(frame, typedWith: typedDecoder)
                guard let call = try? VarlinkFraming.decodeCall(frame) else { continue }
                let parameters = JSONValue.object(call.parameters ?? [:])
                _ = try? parameters.decode(as: AddContact.Parameters.self)
                _ = try? parameters.decode(as: LogOutreach.Parameters.self)
                _ = try? parameters.decode(as: Remind.Parameters.self)
                _ = try? parameters.decode(as: ImportEvents.Parameters.self)
                _ = try? parameters.decode(as: AddEvent.Parameters.self)
                _ = try? VarlinkFraming.encode(call)
            }
        }

        /// Everything `relancectl ingest` reads of a message.
        private static func readMail(_ message: String) {
            let headers = MailHeaders(parsing: message)
            _ = MailMeaning.of(headers)
            _ = MailHeaders.addresses(in: message)
            _ = headers["date"].flatMap(MailHeaders.date(from:))
            let body = MailHeaders.body(of: message)
            _ = DeliveryStatusReport(body: String(body))
            _ = ReturnDate.find(in: headers.subject + "\n" + body, today: LocalDate(year: 2026, month: 11, day: 30))
            if let calendar = CalendarPart.find(in: body) { _ = try? ICSParser.events(fromICS: calendar) }
        }
    }
}

#if FUZZING
/// libFuzzer's hooks: it owns main and calls these.
@_cdecl("LLVMFuzzerInitialize")
func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let name = ProcessInfo.processInfo.environment["RELANCE_FUZZ_TARGET"] ?? ""
    guard let target = Fuzz.Target(rawValue: name) else {
        let names = Fuzz.Target.allCases.map(\.rawValue).joined(separator: "|")
        FileHandle.standardError.write(Data("relance-fuzz: set RELANCE_FUZZ_TARGET to \(names)\n".utf8))
        exit(2)
    }
    Fuzz.target = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    Fuzz.target.read(UnsafeBufferPointer(start: data, count: size))
    return 0
}
#else
/// Without libFuzzer: reads every file named, or found under a directory named.
@main
enum Replay {
    static func main() {
        var arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.popFirst(), let target = Fuzz.Target(rawValue: name) else {
            let names = Fuzz.Target.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: relance-fuzz \(names) FILE_OR_DIRECTORY…\n".utf8))
            exit(2)
        }
        Fuzz.target = target
        exit(replay(arguments))
    }

    /// Reads every file named, or found under a directory named; prints how many.
    private static func replay(_ paths: ArraySlice<String>) -> Int32 {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("relance-fuzz: \(path) does not exist\n".utf8))
                return 1
            }
            if isDirectory.boolValue {
                let found = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
                files += found.sorted().map { path + "/" + $0 }.filter { !isDirectoryAt($0) }
            } else {
                files.append(path)
            }
        }
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            data.withUnsafeBytes { Fuzz.target.read($0.bindMemory(to: UInt8.self)) }
        }
        print("relance-fuzz \(Fuzz.target.rawValue): read \(files.count) inputs without a crash")
        return 0
    }

    private static func isDirectoryAt(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
#endif
