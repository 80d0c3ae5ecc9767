import Foundation

/// Parameters that can be made from string fields alone (`Remind`'s at, text, contact):
/// nil when the fields do not make one (a required field missing).
public protocol StringFieldsDecodable: Sendable {
    init?(stringFields: [String: String])
}

/// Reads the plainest calls without `JSONDecoder` (≈ 10 % of the daemon's time per
/// `Remind`, issue #15): one object with `method`, `parameters` whose values are all
/// strings, and `oneway`/`more`/`upgrade` as `true`/`false`, every string free of escapes
/// and control characters, for a method whose parameters are `StringFieldsDecodable`.
///
/// Anything else (an escape, a number, a nested value, null, a repeated or unknown key, a
/// parameter the IDL does not declare, a field missing) gives nil and the frame is read
/// by `VarlinkFraming.decodeCall` as before, so every error stays what it was. What it
/// accepts, it reads as `JSONDecoder` would (a differential test checks it).
enum FlatCallReader {
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, types: VarlinkParameterTypes) -> VarlinkCall? {
        var reader = Cursor(bytes: bytes)
        var method: String?, fields: [String: String]?, oneway: Bool?, more: Bool?, upgrade: Bool?
        guard reader.take(UInt8(ascii: "{")) else { return nil }
        if reader.take(UInt8(ascii: "}")) { return nil }
        repeat {
            guard let key = reader.plainString(), reader.take(UInt8(ascii: ":")) else { return nil }
            switch key {
            case "method":
                guard method == nil, let value = reader.plainString() else { return nil }
                method = value
            case "parameters":
                guard fields == nil, let value = reader.stringObject() else { return nil }
                fields = value
            case "oneway":
                guard oneway == nil, let value = reader.boolean() else { return nil }
                oneway = value
            case "more":
                guard more == nil, let value = reader.boolean() else { return nil }
                more = value
            case "upgrade":
                guard upgrade == nil, let value = reader.boolean() else { return nil }
                upgrade = value
            default:
                return nil
            }
        } while reader.take(UInt8(ascii: ","))
        guard reader.take(UInt8(ascii: "}")), reader.atEnd else { return nil }
        guard let method, !method.isEmpty, let fields, let entry = types.lookup(method),
              let make = entry.fromStrings, fields.keys.allSatisfy(entry.declared.contains),
              let parameters = make(fields) else { return nil }
        var call = VarlinkCall(method: method, oneway: oneway, more: more)
        call.upgrade = upgrade
        call.typedParameters = parameters
        return call
    }

    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        /// JSON's whitespace: space, tab, line feed, carriage return.
        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        /// The byte `byte` (after whitespace), taken when it is there.
        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return index == bytes.count
            }
        }

        /// A string without escapes or control characters, valid UTF-8; nil otherwise.
        mutating func plainString() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return text
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
                index += 1
            }
            return nil
        }

        /// An object whose values are all plain strings, each key once.
        mutating func stringObject() -> [String: String]? {
            guard take(UInt8(ascii: "{")) else { return nil }
            var fields: [String: String] = [:]
            if take(UInt8(ascii: "}")) { return fields }
            repeat {
                guard let key = plainString(), take(UInt8(ascii: ":")), let value = plainString(),
                      fields.updateValue(value, forKey: key) == nil else { return nil }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}")) ? fields : nil
        }

        mutating func boolean() -> Bool? {
            skipSpace()
            if skip("true") { return true }
            if skip("false") { return false }
            return nil
        }

        /// Takes `word` when the bytes at the cursor spell it.
        private mutating func skip(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            let matches = word.withUTF8Buffer { utf8 in utf8.indices.allSatisfy { bytes[index + $0] == utf8[$0] } }
            if matches { index += count }
            return matches
        }
    }
}
