import Foundation
import Testing
import VarlinkProtocol

/// A call's parameters read straight into the method's type with the frame (issue #15),
/// and every call that cannot be read that way read as before.
@Suite struct TypedCallDecodingTests {
    struct Greet: Codable, Sendable, Equatable { var name: String; var times: Int64? }

    let decoder = VarlinkFraming.callDecoder(VarlinkParameterTypes(entries: [
        "org.example.Greet": .init(type: Greet.self, declared: ["name", "times"]),
    ]))

    func read(_ text: String) throws -> VarlinkCall {
        try VarlinkFraming.decodeCall(Array(text.utf8), typedWith: decoder)
    }

    @Test func aKnownMethodsParametersArriveTyped() throws {
        let call = try read(#"{"parameters":{"times":2,"name":"Ada"},"method":"org.example.Greet","more":true}"#)
        #expect(call.typedParameters as? Greet == Greet(name: "Ada", times: 2))
        // Digits and an "e" inside strings are only text
        let texts = try read(#"{"method":"org.example.Greet","parameters":{"name":"1234567890123456789 e5"}}"#)
        #expect(texts.typedParameters as? Greet == Greet(name: "1234567890123456789 e5"))
        #expect(call.parameters == nil)
        #expect(call.method == "org.example.Greet" && call.more == true && call.oneway == nil)
    }

    @Test(arguments: [
        #"{"method":"org.example.Greet","parameters":{"name":"Ada","tmies":2}}"#,  // an undeclared name
        #"{"method":"org.example.Greet","parameters":{"name":"Ada","times":1.5}}"#,  // not an integer
        #"{"method":"org.example.Greet","parameters":{"times":2}}"#,                // a missing field
        #"{"method":"org.example.Other","parameters":{"name":"Ada"}}"#,             // a method it does not know
        #"{"method":"org.example.Greet","parameters":{"name":"Ada","times":9223372036854775807}}"#,  // past 2^53
        #"{"method":"org.example.Greet","parameters":{"name":"Ada","times":2e3}}"#,  // an exponent
    ])
    func anythingElseArrivesAsTheTreeItAlwaysWas(_ text: String) throws {
        let call = try read(text)
        #expect(call.typedParameters == nil)
        #expect(call == (try VarlinkFraming.decodeCall(Array(text.utf8))))
        #expect(call.parameters != nil)
    }

    @Test func aMalformedCallIsRefusedWithTheSameReason() throws {
        for text in [#"{"method":"org.example.Greet","parameters":"Ada"}"#, #"{"method":""}"#, "[1]", "{"] {
            var typed: String?, plain: String?
            do { _ = try read(text) } catch let VarlinkFraming.DecodeError.malformed(reason) { typed = reason }
            do { _ = try VarlinkFraming.decodeCall(Array(text.utf8)) } catch let VarlinkFraming.DecodeError.malformed(reason) { plain = reason }
            #expect(typed != nil && typed == plain, "\(text)")
        }
    }

    @Test func absentOrNullParametersAreLeftToTheMethod() throws {
        #expect(try read(#"{"method":"org.example.Greet"}"#).typedParameters == nil)
        #expect(try read(#"{"method":"org.example.Greet","parameters":null}"#).typedParameters == nil)
    }
}
