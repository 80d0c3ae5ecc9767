/// Quoted-printable decoding (RFC 2045 §6.7) and its header form, the RFC 2047 "Q"
/// encoding, where `_` stands for a space. A malformed `=XY` is kept as it is.
enum QuotedPrintable {
    static func decode(_ raw: [UInt8], underscoreIsSpace: Bool = false) -> [UInt8] {
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            if underscoreIsSpace, raw[index] == UInt8(ascii: "_") {
                decoded.append(0x20)
            } else if raw[index] == UInt8(ascii: "="), index + 2 < raw.count,
                      let value = UInt8(String(decoding: raw[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                decoded.append(value)
                index += 3
                continue
            } else {
                decoded.append(raw[index])
            }
            index += 1
        }
        return decoded
    }
}
