import Foundation
import RelanceAPI
import Testing
import VarlinkProtocol

/// The Codable types of RelanceAPI are generated from the IDL by scripts/generate-api.
/// These tests fail when the generated files are stale, and when a Swift type's coding
/// keys differ from the fields the IDL declares: the two cannot drift apart.
@Suite struct GeneratedControlTypesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized
    static let generatedFiles = ["ControlInterface+Definition.swift", "ControlTypes.swift", "ControlMethods.swift"]

    @Test func generatedFilesAreWhatTheGeneratorWritesFromTheIDL() async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("relance-generate-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let outcome = try await Self.runGenerator(output: directory)

        #expect(outcome.status == 0, "scripts/generate-api failed: \(outcome.errors)")
        for name in Self.generatedFiles {
            let fresh = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            let checkedIn = try String(contentsOf: Self.root.appendingPathComponent("Sources/RelanceAPI/\(name)"),
                                       encoding: .utf8)
            #expect(fresh == checkedIn, "\(name) is stale: run scripts/generate-api after editing the .varlink file")
        }
    }

    @Test func everyIDLMethodHasItsSwiftTypeInOrder() {
        #expect(ControlInterface.methodTypes.map { $0.name } == ControlInterface.description.methods)
    }

    @Test func everyMethodsParameterAndReplyKeysAreTheIDLFields() throws {
        let description = ControlInterface.description
        for method in ControlInterface.methodTypes {
            let (parameters, reply) = try Self.keys(of: method)
            #expect(parameters.decoded == description.inputs[method.name], "\(method.name).Parameters")
            #expect(parameters.encoded == Set(description.inputs[method.name] ?? []), "\(method.name).Parameters")
            #expect(reply.decoded == description.outputs[method.name], "\(method.name).Reply")
            #expect(reply.encoded == Set(description.outputs[method.name] ?? []), "\(method.name).Reply")
        }
    }

    @Test func everyIDLTypesKeysAreItsSwiftTypesKeys() throws {
        let description = ControlInterface.description
        #expect(Set(ControlInterface.recordTypes.keys) == Set(description.types.keys))
        for (name, type) in ControlInterface.recordTypes {
            let keys = try Self.keys(of: type)
            #expect(keys.decoded == description.types[name], "\(name)")
            #expect(keys.encoded == Set(description.types[name] ?? []), "\(name)")
        }
    }

    @Test func everyGeneratedDeclarationHasADocComment() throws {
        for name in Self.generatedFiles {
            let text = try String(contentsOf: Self.root.appendingPathComponent("Sources/RelanceAPI/\(name)"),
                                  encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            for (index, line) in lines.enumerated() where line.hasPrefix("public ") {
                #expect(index > 0 && lines[index - 1].hasPrefix("///"), "\(name):\(index + 1): \(line)")
            }
        }
    }

    @Test func anInstantIsTheIDLsISO8601StringOnTheWire() throws {
        let snapshot = SnapshotInfo(id: "a", takenAt: Date(timeIntervalSince1970: 1_796_115_600), reason: "daily", size: 1)

        let json = String(decoding: try JSONCoding.encoder.encode(snapshot), as: UTF8.self)

        #expect(json.contains(#""takenAt":"2026-12-01T09:00:00.000Z""#))
    }

    @Test func anInstantParameterCarriesWhatAPersonTyped() throws {
        // The daemon reads it in the user's zone (issue #15): the client sends the text.
        let parameters = Remind.Parameters(at: "tomorrow 9:30", text: "Call Ada")

        let json = String(decoding: try JSONCoding.encoder.encode(parameters), as: UTF8.self)

        #expect(json == #"{"at":"tomorrow 9:30","text":"Call Ada"}"#)
    }

    // MARK: - Support

    /// The keys a type's `init(from:)` asks for, in order, and the keys its encoding writes
    /// when every optional field has a value.
    struct Keys { var decoded: [String]; var encoded: Set<String> }

    static func keys<M: ControlMethod>(of method: M.Type) throws -> (Keys, Keys) {
        (try keys(of: M.Parameters.self), try keys(of: M.Reply.self))
    }

    static func keys<T: Codable>(of type: T.Type) throws -> Keys {
        let recorder = KeyRecorder()
        let value = try T(from: FillingDecoder(codingPath: [], recorder: recorder))
        let object = try JSONSerialization.jsonObject(with: JSONCoding.encoder.encode(value)) as? [String: Any]
        return Keys(decoded: recorder.keys, encoded: Set((object ?? [:]).keys))
    }

    /// Runs the generator on a thread of its own: a test waiting for Python must not hold
    /// one of the cooperative pool's threads.
    static func runGenerator(output: URL) async throws -> (status: Int32, errors: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                    process.arguments = ["python3", root.appendingPathComponent("scripts/generate-api").path,
                                         "--output", output.path]
                    let stderr = Pipe()
                    process.standardError = stderr
                    try process.run()
                    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    return (process.terminationStatus, String(decoding: errors, as: UTF8.self))
                })
            }
        }
    }
}

/// The top-level keys a `FillingDecoder` was asked for.
final class KeyRecorder: @unchecked Sendable {
    var keys: [String] = []
}

/// A decoder that has every key, never nil, and answers "", 0, false, no elements: it
/// builds a value of any Decodable type with every optional field set, recording the
/// top-level keys it is asked for.
struct FillingDecoder: Decoder {
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var recorder: KeyRecorder?

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed(codingPath: codingPath, recorder: recorder))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer { Unkeyed(codingPath: codingPath) }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(codingPath: codingPath) }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        var codingPath: [any CodingKey]
        var recorder: KeyRecorder?
        var allKeys: [Key] { [] }

        func contains(_ key: Key) -> Bool { true }
        func decodeNil(forKey key: Key) throws -> Bool { false }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            recorder?.keys.append(key.stringValue)
            return try T(from: FillingDecoder(codingPath: codingPath + [key], recorder: nil))
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decode(Filled<Bool>.self, forKey: key).value }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decode(Filled<String>.self, forKey: key).value }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decode(Filled<Double>.self, forKey: key).value }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try decode(Filled<Float>.self, forKey: key).value }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decode(Filled<Int>.self, forKey: key).value }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try decode(Filled<Int8>.self, forKey: key).value }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try decode(Filled<Int16>.self, forKey: key).value }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decode(Filled<Int32>.self, forKey: key).value }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decode(Filled<Int64>.self, forKey: key).value }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try decode(Filled<UInt>.self, forKey: key).value }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try decode(Filled<UInt8>.self, forKey: key).value }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try decode(Filled<UInt16>.self, forKey: key).value }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try decode(Filled<UInt32>.self, forKey: key).value }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decode(Filled<UInt64>.self, forKey: key).value }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type,
                                                   forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            KeyedDecodingContainer(FillingDecoder.Keyed<NestedKey>(codingPath: codingPath + [key], recorder: nil))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            Unkeyed(codingPath: codingPath + [key])
        }
        func superDecoder() throws -> any Decoder { FillingDecoder(codingPath: codingPath, recorder: nil) }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            FillingDecoder(codingPath: codingPath + [key], recorder: nil)
        }
    }

    /// Always at its end: arrays come out empty.
    struct Unkeyed: UnkeyedDecodingContainer {
        var codingPath: [any CodingKey]
        var count: Int? { 0 }
        var isAtEnd: Bool { true }
        var currentIndex: Int { 0 }

        mutating func decodeNil() throws -> Bool { true }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "always empty"))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type)
            throws -> KeyedDecodingContainer<NestedKey> {
            KeyedDecodingContainer(FillingDecoder.Keyed<NestedKey>(codingPath: codingPath, recorder: nil))
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { self }
        mutating func superDecoder() throws -> any Decoder { FillingDecoder(codingPath: codingPath, recorder: nil) }
    }

    struct Single: SingleValueDecodingContainer {
        var codingPath: [any CodingKey]

        func decodeNil() -> Bool { false }
        func decode(_ type: Bool.Type) throws -> Bool { false }
        func decode(_ type: String.Type) throws -> String { "" }
        func decode(_ type: Double.Type) throws -> Double { 0 }
        func decode(_ type: Float.Type) throws -> Float { 0 }
        func decode(_ type: Int.Type) throws -> Int { 0 }
        func decode(_ type: Int8.Type) throws -> Int8 { 0 }
        func decode(_ type: Int16.Type) throws -> Int16 { 0 }
        func decode(_ type: Int32.Type) throws -> Int32 { 0 }
        func decode(_ type: Int64.Type) throws -> Int64 { 0 }
        func decode(_ type: UInt.Type) throws -> UInt { 0 }
        func decode(_ type: UInt8.Type) throws -> UInt8 { 0 }
        func decode(_ type: UInt16.Type) throws -> UInt16 { 0 }
        func decode(_ type: UInt32.Type) throws -> UInt32 { 0 }
        func decode(_ type: UInt64.Type) throws -> UInt64 { 0 }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try T(from: FillingDecoder(codingPath: codingPath, recorder: nil))
        }
    }

    /// A primitive decoded through the single-value container, so a keyed primitive
    /// records its key like any other value.
    struct Filled<Value: Decodable>: Decodable {
        var value: Value
        init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Value.self) }
    }
}
