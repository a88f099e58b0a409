import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns bytes in a named charset into text. UTF-8, US-ASCII and ISO-8859-1 are decoded here;
/// every other charset goes through the C library's iconv, so anything the platform can convert
/// (ISO-8859-2/15, Windows-125x, KOI8-R, Shift_JIS, ISO-2022-JP, GB2312, Big5, UTF-7 ...) works.
/// Bytes that are invalid in their charset become U+FFFD; nothing throws.
public enum Charset {
    public struct Decoded: Sendable, Equatable {
        public let text: String
        /// Set when the charset was unknown or the bytes were not valid in it.
        public let problem: String?
    }

    /// The canonical lowercase name for the aliases mail really uses.
    public static func canonicalName(_ raw: String) -> String {
        var name = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\"' \t")).lowercased()
        if let star = name.firstIndex(of: "*") { name = String(name[..<star]) }  // RFC 2231 language suffix
        switch name {
        case "", "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "csascii", "646": return "us-ascii"
        case "utf8", "utf-8", "unicode-1-1-utf-8", "x-unicode20utf8": return "utf-8"
        case "latin1", "latin-1", "iso8859-1", "iso_8859-1", "iso-8859-1", "l1", "cp819", "iso-ir-100":
            return "iso-8859-1"
        case "latin2", "iso8859-2", "iso_8859-2", "l2": return "iso-8859-2"
        case "latin9", "latin-9", "iso8859-15", "iso_8859-15", "l9": return "iso-8859-15"
        case "cp1250", "x-cp1250", "windows1250": return "windows-1250"
        case "cp1251", "x-cp1251", "windows1251": return "windows-1251"
        case "cp1252", "x-cp1252", "windows1252": return "windows-1252"
        case "sjis", "shift-jis", "x-sjis", "ms_kanji", "csshiftjis": return "shift_jis"
        case "ks_c_5601-1987", "ks_c_5601", "korean", "csksc56011987": return "cp949"
        case "gb2312", "x-gbk", "chinese", "csgb2312", "euc-cn": return "gbk"
        default:
            if name.hasPrefix("iso8859") { return "iso-8859" + name.dropFirst(7) }
            return name
        }
    }

    /// Charsets that stand for "we do not know": decoded as UTF-8 when valid, else Windows-1252.
    static let unknownNames: Set<String> = [
        "x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "8bit", "binary",
    ]

    public static func decode<Bytes: Collection>(_ bytes: Bytes, charset rawName: String?) -> Decoded
    where Bytes.Element == UInt8 {
        let name = canonicalName(rawName ?? "us-ascii")
        switch name {
        case "utf-8":
            return utf8OrFallback(Array(bytes), declared: rawName)
        case "us-ascii":
            if bytes.allSatisfy({ $0 < 0x80 }) {
                return Decoded(text: String(decoding: bytes, as: UTF8.self), problem: nil)
            }
            return utf8OrFallback(Array(bytes), declared: rawName)
        case "iso-8859-1":
            return Decoded(text: latin1(bytes), problem: nil)
        default:
            if unknownNames.contains(name) { return utf8OrFallback(Array(bytes), declared: nil) }
            // Only a plausible name reaches iconv: glibc parses what it is given, and a
            // "charset" of 200,000 characters took it seconds.
            if isPlausibleName(name), let converted = iconvDecode(Array(bytes), from: name) { return converted }
            let fallback = utf8OrFallback(Array(bytes), declared: nil)
            let shown = (rawName ?? name).prefix(60)
            return Decoded(
                text: fallback.text,
                problem:
                    "charset '\(shown)' is not supported here; decoded as \(fallback.problem == nil ? "UTF-8" : "Windows-1252")"
            )
        }
    }

    /// Charset names are short and made of letters, digits and a few punctuation marks (RFC 2978).
    static func isPlausibleName(_ name: String) -> Bool {
        name.utf8.count <= 64
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A)
                    || "-_.:+()".utf8.contains(byte)
            }
    }

    public static func latin1<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    /// UTF-8 when the bytes are valid UTF-8 (mail often says US-ASCII and sends UTF-8),
    /// otherwise Windows-1252, the most common 8-bit charset of undeclared mail.
    static func utf8OrFallback(_ bytes: [UInt8], declared: String?) -> Decoded {
        if let text = String(validating: bytes, as: UTF8.self) { return Decoded(text: text, problem: nil) }
        let declaredUTF8 = declared.map { canonicalName($0) == "utf-8" } ?? false
        if declaredUTF8 {
            return Decoded(
                text: String(decoding: bytes, as: UTF8.self),
                problem: "text declared as UTF-8 holds invalid bytes; they were replaced")
        }
        let text = iconvDecode(bytes, from: "windows-1252")?.text ?? latin1(bytes)
        return Decoded(
            text: text,
            problem: declared == nil ? nil : "text declared as \(declared!) holds 8-bit bytes; read as Windows-1252")
    }

    /// Converts with iconv, replacing each undecodable byte with U+FFFD. Nil when iconv does
    /// not know the charset.
    static func iconvDecode(_ bytes: [UInt8], from charset: String) -> Decoded? {
        let descriptor = iconv_open("UTF-8", charset)
        guard Int(bitPattern: descriptor) != -1 else { return nil }
        defer { iconv_close(descriptor) }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 2)
        var replaced = false
        var input = bytes
        let chunk = 4096
        var outBuffer = [UInt8](repeating: 0, count: chunk)
        input.withUnsafeMutableBufferPointer { inputBuffer in
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inputBuffer.baseAddress).map {
                $0.assumingMemoryBound(to: CChar.self)
            }
            var inLeft = inputBuffer.count
            conversion: while true {
                let (result, produced): (Int, Int) = outBuffer.withUnsafeMutableBufferPointer { outBufferPointer in
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(
                        outBufferPointer.baseAddress!
                    ).assumingMemoryBound(to: CChar.self)
                    var outLeft = chunk
                    let result =
                        inLeft == 0
                        ? iconv(descriptor, nil, nil, &outPointer, &outLeft)
                        : iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    return (result, chunk - outLeft)
                }
                output.append(contentsOf: outBuffer[0..<produced])
                if result != -1 {
                    if inLeft == 0 { break conversion }
                    continue conversion
                }
                let failure = errno
                if failure == E2BIG { continue conversion }
                replaced = true
                guard failure == EILSEQ || failure == EINVAL, inLeft > 0 else { break conversion }
                output.append(contentsOf: [0xEF, 0xBF, 0xBD])
                inPointer = inPointer?.advanced(by: 1)
                inLeft -= 1
                if inLeft == 0 { break conversion }
            }
        }
        return Decoded(
            text: String(decoding: output, as: UTF8.self),
            problem: replaced ? "some bytes are not valid \(charset) and were replaced" : nil)
    }
}
