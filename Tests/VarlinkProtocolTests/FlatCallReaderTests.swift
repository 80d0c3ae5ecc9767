import Foundation
import RelanceAPI
import RelanceTestKit
import Testing
@testable import VarlinkProtocol

/// Plain calls read without JSONDecoder (`FlatCallReader`, issue #15) give exactly what
/// JSONDecoder gives, and every frame it does not take (escapes, numbers, null, repeated
/// or unknown keys, bad UTF-8, truncation…) is read by JSONDecoder as before: over many
/// generated frames, the result (or the error) is the same with and without it.
@Suite struct FlatCallReaderTests {
    static let method = "io.relance.Control.Remind"
    static let declared: Set<String> = ["at", "text", "contact"]

    static func decoder(flat: Bool) -> JSONDecoder {
        var entry = VarlinkParameterTypes.Entry(type: Remind.Parameters.self, declared: declared)
        if !flat { entry.fromStrings = nil }
        return VarlinkFraming.callDecoder(VarlinkParameterTypes(entries: [method: entry]))
    }

    let withReader = decoder(flat: true)
    let types = VarlinkParameterTypes(entries: [Self.method: .init(type: Remind.Parameters.self, declared: Self.declared)])
    let without = decoder(flat: false)

    /// String literals as they may appear in a frame (JSON text, quotes included): plain
    /// ones, and ones with escapes or raw control characters.
    static let plain = [#""tomorrow 9:30""#, #""2026-12-01T09:00:00Z""#, #""""#, #""Appeler Zoé 😀""#, #""日本語""#, #""</script>""#]
    static let escaped = [
        #""a\"b""#, #""a\\b""#, #""\u0041""#, #""\ud83d\ude00""#, #""a\/b""#, #""tab\there""#, "\"raw\ttab\"", "\"raw\u{1}\"",
        #""e\u0301""#,
    ]
    static let others = ["1", "2.5", "null", "true", "[]", "{}", #"["a"]"#, "-0", "1e3"]
    static let spaces = ["", " ", "\n", "\t", "\r\n  "]

    static func value(_ random: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<17: plain.randomElement(using: &random)!
        case 17..<19: escaped.randomElement(using: &random)!
        default: others.randomElement(using: &random)!
        }
    }

    static func frame(_ random: inout SeededGenerator) -> [UInt8] {
        func sp() -> String { spaces.randomElement(using: &random)! }
        var parameters: [String] = []
        for key in ["at", "text", "contact", "tmies", "at"].shuffled(using: &random) where Int.random(in: 0..<10, using: &random) < (key == "tmies" ? 1 : key == "at" ? 5 : 7) {
            parameters.append("\(sp())\"\(key)\"\(sp()):\(sp())\(value(&random))\(sp())")
        }
        var members: [String] = []
        let methods = ["\"\(method)\"", #""io.relance.Control.Status""#, #""""#, #""io.relance.Control.Remind ""#, "3"]
        members.append("\"method\":\(sp())" + (Int.random(in: 0..<10, using: &random) < 8 ? methods[0] : methods.randomElement(using: &random)!))
        if Int.random(in: 0..<10, using: &random) < 9 {
            members.append("\"parameters\":\(sp()){\(parameters.joined(separator: ","))}")
        }
        for key in ["oneway", "more", "upgrade", "extra"] where Int.random(in: 0..<10, using: &random) < 2 {
            members.append("\"\(key)\":\(sp())" + ["true", "false", "null", "1", #""x""#].randomElement(using: &random)!)
        }
        if Int.random(in: 0..<20, using: &random) == 0 { members.append(members[0]) }
        members.shuffle(using: &random)
        var bytes = Array("\(sp()){\(sp())\(members.joined(separator: ",\(sp())"))\(sp())}\(sp())".utf8)
        switch Int.random(in: 0..<20, using: &random) {
        case 0: bytes.removeLast(Int.random(in: 0...min(5, bytes.count), using: &random))
        case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: Int.random(in: 0...bytes.count, using: &random))
        case 2: bytes.append(contentsOf: [0xC3, 0x28])  // bad UTF-8
        default: break
        }
        return bytes
    }

    enum Outcome: Equatable {
        case call(VarlinkCall, Remind.Parameters?)
        case error(VarlinkFraming.DecodeError)
    }

    func outcome(_ bytes: [UInt8], _ decoder: JSONDecoder) -> Outcome {
        do {
            let call = try VarlinkFraming.decodeCall(bytes, typedWith: decoder)
            return .call(call, call.typedParameters as? Remind.Parameters)
        } catch {
            return .error(error)
        }
    }

    @Test func theSameCallsAndErrorsWithAndWithoutTheReader() {
        var random = SeededGenerator(seed: 15)
        var taken = 0
        for _ in 0..<20_000 {
            let bytes = Self.frame(&random)
            let fast = outcome(bytes, withReader), slow = outcome(bytes, without)
            let read = bytes.withUnsafeBufferPointer { FlatCallReader.read($0, types: types) }
            guard read != nil else {
                // Not taken: JSONDecoder reads it either way. (Its reason for invalid JSON
                // inside parameters names a key at random, so only the outcome's kind is
                // compared here.)
                switch (fast, slow) {
                case (.call(let a, let p), .call(let b, let q)): #expect(a == b && p == q)
                case (.error, .error): break
                default: Issue.record("\(fast) / \(slow): \(String(decoding: bytes, as: UTF8.self))")
                }
                continue
            }
            taken += 1
            #expect(fast == slow, "\(String(decoding: bytes, as: UTF8.self))")
            guard case .call(let call, let parameters) = slow else { Issue.record("taken but refused"); continue }
            #expect(parameters != nil && call.parameters == nil && call.typedParameters != nil)
        }
        // Plenty of frames go each way.
        #expect(taken > 1_000 && taken < 19_000, "\(taken) read by the reader")
    }

    @Test func aPlainRemindIsReadByTheReader() throws {
        let text = #"{"method":"io.relance.Control.Remind","parameters":{"at":"tomorrow 9:30","text":"Appeler Zoé","contact":"12"},"more":false}"#
        let call = try #require(Array(text.utf8).withUnsafeBufferPointer {
            FlatCallReader.read($0, types: VarlinkParameterTypes(entries: [Self.method: .init(type: Remind.Parameters.self, declared: Self.declared)]))
        })
        #expect(call.typedParameters as? Remind.Parameters == Remind.Parameters(at: "tomorrow 9:30", text: "Appeler Zoé", contact: "12"))
        #expect(call.more == false && call.oneway == nil && call.parameters == nil && call.method == Self.method)
    }
}
