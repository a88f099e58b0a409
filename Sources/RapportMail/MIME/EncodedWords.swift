import Foundation

/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in unstructured header text and in display
/// names. Whitespace between two adjacent encoded words is dropped, as the RFC says; an encoded
/// word split across several words in the middle of a multi-byte character is joined first.
public enum EncodedWords {
    /// Linear in the length of the text: the header is scanned as bytes once, with where the next
    /// `?=` and the next space are known for every position, so neither a word without an end
    /// nor tens of thousands of words in a row make the work grow faster than the text.
    public static func decode(_ text: String) -> String {
        guard text.contains("=?") else { return text }
        let scanner = Scanner(Array(text.utf8))
        let input = scanner.input
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var pendingWhitespace: [UInt8] = []
        var previousWasEncoded = false
        // Runs of encoded words with the same charset are decoded together so that a character
        // split over two words comes out whole.
        var run: (charset: String, canonical: String)?
        var runBytes: [UInt8] = []

        func flushRun() {
            guard let current = run else { return }
            output.append(contentsOf: Charset.decode(runBytes, charset: current.charset).text.utf8)
            run = nil
            runBytes.removeAll(keepingCapacity: true)
        }

        var position = 0
        while position < input.count {
            if let word = scanner.encodedWord(at: position) {
                if !previousWasEncoded { output += pendingWhitespace }
                pendingWhitespace.removeAll()  // whitespace between encoded words disappears
                let canonical = Charset.canonicalName(word.charset)
                if run?.canonical != canonical {
                    flushRun()
                    run = (word.charset, canonical)
                }
                runBytes += word.bytes
                previousWasEncoded = true
                position = word.end
                continue
            }
            let byte = input[position]
            if Scanner.isBlank(byte) {
                pendingWhitespace.append(byte == 0x09 ? 0x09 : 0x20)
                position += 1
                continue
            }
            flushRun()
            output += pendingWhitespace
            pendingWhitespace.removeAll()
            previousWasEncoded = false
            // Copy up to the next blank or encoded-word start.
            var end = position + 1
            while end < input.count, !Scanner.isBlank(input[end]) {
                if input[end] == UInt8(ascii: "="), scanner.encodedWord(at: end) != nil { break }
                end += 1
            }
            output += input[position..<end]
            position = end
        }
        flushRun()
        output += pendingWhitespace
        return String(decoding: output, as: UTF8.self)
    }

    private struct Word {
        let charset: String
        let bytes: [UInt8]
        /// The byte offset just after the closing `?=`.
        let end: Int
    }

    private struct Scanner {
        let input: [UInt8]
        /// For each offset, where the next `?=` starts (the input's length when there is none).
        let nextClose: [Int]
        /// For each offset, where the next space is.
        let nextSpace: [Int]

        init(_ input: [UInt8]) {
            self.input = input
            var close = [Int](repeating: input.count, count: input.count + 1)
            var space = close
            var index = input.count - 1
            while index >= 0 {
                let isClose =
                    input[index] == UInt8(ascii: "?") && index + 1 < input.count
                    && input[index + 1] == UInt8(ascii: "=")
                close[index] = isClose ? index : close[index + 1]
                space[index] = input[index] == 0x20 ? index : space[index + 1]
                index -= 1
            }
            nextClose = close
            nextSpace = space
        }

        static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

        /// The encoded word starting at `start`, if one does. Everything that can rule a word out
        /// is decided in constant time before its payload is decoded.
        func encodedWord(at start: Int) -> Word? {
            guard start + 1 < input.count, input[start] == UInt8(ascii: "="), input[start + 1] == UInt8(ascii: "?")
            else { return nil }
            let charsetStart = start + 2
            var charsetEnd = charsetStart
            while charsetEnd < input.count, charsetEnd - charsetStart < 40, input[charsetEnd] != UInt8(ascii: "?") {
                if input[charsetEnd] == 0x20 { return nil }
                charsetEnd += 1
            }
            guard charsetEnd < input.count, input[charsetEnd] == UInt8(ascii: "?"), charsetEnd > charsetStart,
                charsetEnd - charsetStart < 40,
                charsetEnd + 2 < input.count, input[charsetEnd + 2] == UInt8(ascii: "?")
            else { return nil }
            let encoding = input[charsetEnd + 1]
            let payloadStart = charsetEnd + 3
            let close = nextClose[payloadStart]
            guard close < input.count else { return nil }
            if nextSpace[payloadStart] < close, close - payloadStart >= 2 { return nil }
            let charset = String(decoding: input[charsetStart..<charsetEnd], as: UTF8.self)
            let payload = Self.payloadBytes(
                input[payloadStart..<close], singleByte: Charset.canonicalName(charset) != "utf-8")
            let bytes: [UInt8]
            switch encoding {
            case UInt8(ascii: "B"), UInt8(ascii: "b"): bytes = TransferEncoding.decodeBase64(payload)
            case UInt8(ascii: "Q"), UInt8(ascii: "q"):
                bytes = TransferEncoding.decodeQuotedPrintable(payload, header: true)
            default: return nil
            }
            return Word(charset: charset, bytes: bytes, end: close + 2)
        }

        /// Raw 8-bit characters inside a word (against the RFC, but seen) stand for their own
        /// byte in a single-byte charset; other characters keep their UTF-8 bytes.
        private static func payloadBytes(_ utf8: ArraySlice<UInt8>, singleByte: Bool) -> [UInt8] {
            guard singleByte, utf8.contains(where: { $0 >= 0x80 }) else { return Array(utf8) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(utf8.count)
            var index = utf8.startIndex
            while index < utf8.endIndex {
                let lead = utf8[index]
                // U+0080...U+00FF are the two-byte sequences that start with C2 or C3.
                if lead == 0xC2 || lead == 0xC3, index + 1 < utf8.endIndex {
                    bytes.append(((lead & 0x1F) << 6) | (utf8[index + 1] & 0x3F))
                    index += 2
                } else {
                    bytes.append(lead)
                    index += 1
                }
            }
            return bytes
        }
    }

    // MARK: Encoding, for outgoing headers

    /// The text as it may appear in a header: unchanged when it is ASCII, otherwise encoded
    /// words in UTF-8 base64, each short enough to keep lines under 76 characters.
    public static func encodeIfNeeded(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value > 126 || ($0.value < 32 && $0 != "\t") }) else {
            return text
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: " ")
    }
}
