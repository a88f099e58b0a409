import Foundation
import RapportCore

/// Content-Transfer-Encoding decoders (RFC 2045 §6). Both are lenient: mail in the wild has
/// stray characters, missing padding and broken soft line breaks, and what can be read is kept.
public enum TransferEncoding {
    public static func decodeBase64<Bytes: Collection>(_ input: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var quantum: UInt32 = 0
        var filled = 0
        for byte in input {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="):
                // Padding ends the quantum; anything after it starts a new one (concatenated bodies).
                flush(&quantum, &filled, into: &output)
                continue
            default: continue
            }
            quantum = quantum << 6 | UInt32(value)
            filled += 1
            if filled == 4 {
                output.append(UInt8(truncatingIfNeeded: quantum >> 16))
                output.append(UInt8(truncatingIfNeeded: quantum >> 8))
                output.append(UInt8(truncatingIfNeeded: quantum))
                quantum = 0
                filled = 0
            }
        }
        flush(&quantum, &filled, into: &output)
        return output
    }

    private static func flush(_ quantum: inout UInt32, _ filled: inout Int, into output: inout [UInt8]) {
        switch filled {
        case 2: output.append(UInt8(truncatingIfNeeded: quantum >> 4))
        case 3:
            output.append(UInt8(truncatingIfNeeded: quantum >> 10))
            output.append(UInt8(truncatingIfNeeded: quantum >> 2))
        default: break
        }
        quantum = 0
        filled = 0
    }

    /// Quoted-printable. `header` selects the RFC 2047 "Q" variant, where `_` is a space.
    public static func decodeQuotedPrintable<Bytes: Collection>(_ input: Bytes, header: Bool = false) -> [UInt8]
    where Bytes.Element == UInt8 {
        let bytes = Array(input)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "_"), header {
                output.append(0x20)
                index += 1
                continue
            }
            guard byte == UInt8(ascii: "=") else {
                output.append(byte)
                index += 1
                continue
            }
            // Soft line break: "=" then optional trailing blanks, then CRLF or LF.
            var look = index + 1
            while look < bytes.count, bytes[look] == 0x20 || bytes[look] == 0x09 { look += 1 }
            if look < bytes.count, bytes[look] == 0x0A {
                index = look + 1
                continue
            }
            if look + 1 < bytes.count, bytes[look] == 0x0D, bytes[look + 1] == 0x0A {
                index = look + 2
                continue
            }
            if look == bytes.count {
                index = look
                continue
            }
            if index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
                continue
            }
            output.append(byte)  // a lone "=" is kept as it is
            index += 1
        }
        return output
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    // MARK: Encoding, for outgoing mail

    /// Quoted-printable for a text body, lines at most 76 characters, CRLF line ends.
    public static func encodeQuotedPrintable(_ text: String) -> String {
        var result = ""
        let lines = text.withUnixLineEnds.split(
            separator: "\n", omittingEmptySubsequences: false)
        for (lineIndex, line) in lines.enumerated() {
            var current = ""
            let bytes = Array(line.utf8)
            for (position, byte) in bytes.enumerated() {
                let isLast = position == bytes.count - 1
                let piece: String
                if (byte == 0x20 || byte == 0x09) && !isLast {
                    piece = String(UnicodeScalar(byte))
                } else if byte >= 33, byte <= 126, byte != UInt8(ascii: "=") {
                    piece = String(UnicodeScalar(byte))
                } else {
                    piece = String(format: "=%02X", byte)
                }
                if current.utf8.count + piece.utf8.count > 75 {
                    result += current + "=\r\n"
                    current = ""
                }
                current += piece
            }
            result += current
            if lineIndex < lines.count - 1 { result += "\r\n" }
        }
        return result
    }

    /// Base64 in lines of 76 characters, for attachments.
    public static func encodeBase64Lines(_ data: Data) -> String {
        let encoded = data.base64EncodedString()
        var lines: [Substring] = []
        var start = encoded.startIndex
        while start < encoded.endIndex {
            let end = encoded.index(start, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(encoded[start..<end])
            start = end
        }
        return lines.joined(separator: "\r\n")
    }
}
