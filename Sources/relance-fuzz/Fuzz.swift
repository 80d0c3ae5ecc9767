import CFuzzDriver
import Foundation
import RelanceAPI
import RelanceCalendar
import RelanceCore
import RelanceDaemon
import RelanceInterchange
import VarlinkProtocol

/// relance-fuzz: every reader of outside input, one at a time, under libFuzzer.
///
///     relance-fuzz TARGET [libFuzzer options] [CORPUS…]   built with -sanitize=fuzzer
///     relance-fuzz TARGET FILE_OR_DIRECTORY…              any other build: replays them
///
/// A reader may reject its input (that is its job); it must not crash, hang or run
/// away with memory. `scripts/fuzz` builds and runs it (see BENCHMARKS.md).
@main
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

        /// Frames split at NUL as the server does; each call decoded, then its parameters
        /// as the parameters of a few methods with every kind of field.
        private static func readVarlink(_ bytes: UnsafeBufferPointer<UInt8>) {
            for frame in bytes.split(separator: 0, omittingEmptySubsequences: false) {
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

    static func main() {
        var arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = Target(rawValue: arguments[1]) else {
            let names = Target.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: relance-fuzz \(names) [libFuzzer options | files…]\n".utf8))
            exit(2)
        }
        Self.target = target
        arguments.remove(at: 1)
        if relance_fuzzer_linked() != 0 {
            exit(runLibFuzzer(arguments))
        }
        exit(replay(arguments.dropFirst()))
    }

    private static func runLibFuzzer(_ arguments: [String]) -> Int32 {
        var argc = Int32(arguments.count)
        var pointers = arguments.map { strdup($0) } + [nil]
        return pointers.withUnsafeMutableBufferPointer { buffer in
            var argv = buffer.baseAddress
            return relance_fuzzer_run(&argc, &argv) { data, size in
                Fuzz.target.read(UnsafeBufferPointer(start: data, count: size))
                return 0
            }
        }
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
        print("relance-fuzz \(target.rawValue): read \(files.count) inputs without a crash")
        return 0
    }

    private static func isDirectoryAt(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
