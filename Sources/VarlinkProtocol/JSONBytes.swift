import Foundation

/// A value that writes its own JSON, byte for byte what `JSONCoding.encoder` writes for
/// it (keys sorted by their UTF-8 bytes, absent optionals left out, instants through
/// `JSONCoding.formatDate`, slashes not escaped). For the replies sent most often: going
/// through `JSONEncoder` was ≈ 9 % of the daemon's time per `Remind` (issue #15). Each
/// conformance is checked against `JSONCoding.encoder` by a differential test.
public protocol JSONBytesEncodable: Encodable {
    /// Appends this value's JSON object (`{…}`) to `json`.
    func writeJSON(to json: inout JSONBytes)
}

/// JSON text being written, as UTF-8 bytes.
public struct JSONBytes {
    public private(set) var bytes: [UInt8] = []
    /// True until the current object's first member is written.
    private var first = true

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    /// `{`: members follow, then `endObject`.
    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    /// `}`.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    /// `"key":` (after a comma when a member came before): the value follows. Keys are
    /// the caller's constants, in sorted order, with nothing to escape.
    public mutating func key(_ key: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A member, left out when `value` is nil (as `encodeIfPresent` does).
    public mutating func member(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    public mutating func member(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func member(_ name: StaticString, _ value: Int?) {
        member(name, value.map(Int64.init))
    }

    public mutating func member(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// An instant, as `JSONCoding.encoder` writes it (`2026-12-01T09:00:00.000Z`).
    public mutating func member(_ name: StaticString, _ value: Date?) {
        guard let value else { return }
        member(name, JSONCoding.formatDate(value))
    }

    /// A nested value that writes itself.
    public mutating func member(_ name: StaticString, _ value: (some JSONBytesEncodable)?) {
        guard let value else { return }
        key(name)
        value.writeJSON(to: &self)
    }

    /// An array of values that write themselves (`[]` when empty, as `encode` writes it).
    public mutating func member(_ name: StaticString, _ values: [some JSONBytesEncodable]) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            value.writeJSON(to: &self)
        }
        bytes.append(UInt8(ascii: "]"))
        first = false
    }

    /// A string, escaped as Foundation's `JSONEncoder` does: `"` and `\`, the control
    /// characters (`\b \t \n \f \r` by name, the others as `\u00xx`, lowercase); every
    /// other character, `/` and non-ASCII included, as it is.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), Self.hex(byte >> 4), Self.hex(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONBytes {
    /// The lowercase hex digit for `nibble` (0–15).
    static func hex(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension JSONBytesEncodable {
    /// This value's JSON, as bytes.
    public var jsonBytes: [UInt8] {
        var json = JSONBytes()
        writeJSON(to: &json)
        return json.bytes
    }
}
