import Foundation

/// Varlink's wire format: each message is one JSON object followed by a NUL byte.
public enum VarlinkFraming {
    /// The largest message accepted, terminator excluded: 1 MiB (issue #2).
    public static let maximumMessageSize = 1 << 20

    /// Why a frame could not be read as a message.
    public enum DecodeError: Error, Equatable {
        /// Not valid JSON, or not a call object; `reason` is for the error reply.
        case malformed(reason: String)
    }

    /// One message's bytes, terminator included.
    public static func encode<T: Encodable>(_ message: T) throws -> Data {
        var data = try JSONCoding.encoder.encode(message)
        data.append(0)
        return data
    }

    /// Reads a call from one frame's bytes (terminator excluded).
    public static func decodeCall(_ bytes: some Collection<UInt8>) throws(DecodeError) -> VarlinkCall {
        let data = Data(bytes)
        let call: VarlinkCall
        do {
            call = try JSONCoding.decoder.decode(VarlinkCall.self, from: data)
        } catch let error as DecodingError {
            // Foundation's words for these two are misleading ("should be an object",
            // "not valid JSON"): say what is really wrong.
            throw .malformed(reason: invalidUTF8(data) ?? tooDeep(data) ?? describe(error))
        } catch {
            throw .malformed(reason: "\(error)")
        }
        guard !call.method.isEmpty else { throw .malformed(reason: "'method' is empty") }
        return call
    }

    /// Reads a call in one pass with `decoder` (which carries `VarlinkParameterTypes`):
    /// the parameters of a known method land in `typedParameters`. Anything it cannot
    /// read that way is read again by `decodeCall(_:)`, so a malformed call gets the same
    /// error as before and an odd but valid one (`"id": 2.0`) the same answer.
    public static func decodeCall(_ bytes: some Collection<UInt8>, typedWith decoder: JSONDecoder) throws(DecodeError) -> VarlinkCall {
        // The plainest calls (a `Remind`: strings only) without JSONDecoder (issue #15).
        if let types = decoder.userInfo[VarlinkParameterTypes.userInfoKey] as? VarlinkParameterTypes,
           let call = bytes.withContiguousStorageIfAvailable({ FlatCallReader.read($0, types: types) }) ?? nil {
            return call
        }
        // One copy of contiguous bytes (a frame in a ByteBuffer), not the generic
        // element-by-element init with its dynamic casts (issue #15).
        let data = bytes.withContiguousStorageIfAvailable { Data($0) } ?? Data(bytes)
        if !mayHoldInexactNumber(data), let call = try? decoder.decode(VarlinkCall.self, from: data), !call.method.isEmpty {
            return call
        }
        return try decodeCall(data)
    }

    /// True when a number outside strings has 16 digits or more in a row, or an exponent:
    /// it may lie past 2^53, where the tree (numbers as doubles) refuses it with "is too
    /// large" and the typed decoder would take it; such a frame is read the tree's way.
    static func mayHoldInexactNumber(_ data: Data) -> Bool {
        var inString = false, escaped = false, digits = 0
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if digits >= 16 { return true }
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                if digits > 0 { return true }
            case UInt8(ascii: "\""):
                inString = true
                digits = 0
            default:
                digits = 0
            }
        }
        return false
    }

    /// A decoder configured as `JSONCoding.decoder`, reading the parameters of the
    /// methods in `types` straight into their types (one per responder: `userInfo` is
    /// set once, before first use).
    public static func callDecoder(_ types: VarlinkParameterTypes) -> JSONDecoder {
        let decoder = JSONCoding.makeDecoder()
        decoder.userInfo[VarlinkParameterTypes.userInfoKey] = types
        return decoder
    }

    /// Reads a reply from one frame's bytes (terminator excluded).
    public static func decodeReply(_ bytes: some Collection<UInt8>) throws(DecodeError) -> VarlinkReply {
        do {
            return try JSONCoding.decoder.decode(VarlinkReply.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .malformed(reason: describe(error))
        } catch {
            throw .malformed(reason: "\(error)")
        }
    }

    /// How deep JSON may nest (Foundation's decoder stops at 512 levels).
    public static let maximumDepth = 512

    /// "not valid UTF-8 at byte N", when it is not.
    static func invalidUTF8(_ data: Data) -> String? {
        guard String(validating: data, as: UTF8.self) == nil else { return nil }
        var offset = 0
        for prefix in stride(from: data.count, through: 0, by: -1) where String(validating: data.prefix(prefix), as: UTF8.self) != nil {
            offset = prefix
            break
        }
        return "the frame is not valid UTF-8 (first bad byte at offset \(offset)); JSON text must be UTF-8"
    }

    /// "nested deeper than 512 levels", when it is (strings skipped).
    static func tooDeep(_ data: Data) -> String? {
        var depth = 0, deepest = 0, inString = false, escaped = false
        for byte in data {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1; deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        guard deepest > maximumDepth else { return nil }
        return "JSON nested \(deepest) levels deep; at most \(maximumDepth) are read"
    }

    /// A one-line account of a decoding failure with the path to the offending field.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(let type, let context):
            return "'\(path(context.codingPath))' should be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "'\(path(context.codingPath))' should be \(describe(type)), not null"
        case .dataCorrupted(let context):
            let at = path(context.codingPath)
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return (at.isEmpty ? "" : "'\(at)': ") + (underlying ?? context.debugDescription)
        @unknown default:
            return "\(error)"
        }
    }

    /// The field named in a decoding failure, for `InvalidParameter {parameter}`.
    public static func parameterName(_ error: DecodingError) -> String {
        let context: DecodingError.Context
        var last: CodingKey?
        switch error {
        case .keyNotFound(let key, let ctx): context = ctx; last = key
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx): context = ctx
        @unknown default: return ""
        }
        let keys = context.codingPath + (last.map { [$0] } ?? [])
        return keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            .trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is [Any].Type: "an array"
        default: "\(type)".contains("Array") ? "an array" : "\(type)".contains("Dictionary") ? "an object" : "of type \(type)"
        }
    }
}
