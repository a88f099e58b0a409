import Foundation

/// RFC 2047 encoded words (`=?charset?B|Q?text?=`) in unstructured header text and in display
/// names. Whitespace between two adjacent encoded words is dropped, as the RFC says; an encoded
/// word split across several words in the middle of a multi-byte character is joined first.
public enum EncodedWords {
    public static func decode(_ text: String) -> String {
        guard text.contains("=?") else { return text }
        var result = ""
        var pendingWhitespace = ""
        var previousWasEncoded = false
        // Runs of encoded words with the same charset and encoding are decoded together so that
        // a character split over two words comes out whole.
        var run: (charset: String, bytes: [UInt8])?

        func flushRun() {
            if let current = run {
                result += Charset.decode(current.bytes, charset: current.charset).text
                run = nil
            }
        }

        var scanner = Substring(text)
        while !scanner.isEmpty {
            if let word = encodedWord(at: scanner) {
                if previousWasEncoded {
                    pendingWhitespace = ""  // whitespace between encoded words disappears
                } else {
                    result += pendingWhitespace
                    pendingWhitespace = ""
                }
                if let current = run, Charset.canonicalName(current.charset) == Charset.canonicalName(word.charset) {
                    run = (current.charset, current.bytes + word.bytes)
                } else {
                    flushRun()
                    run = (word.charset, word.bytes)
                }
                previousWasEncoded = true
                scanner = scanner[word.end...]
                continue
            }
            let character = scanner.first!
            if character == " " || character == "\t" || character == "\r" || character == "\n" {
                pendingWhitespace.append(character == "\t" ? "\t" : " ")
                scanner = scanner.dropFirst()
                continue
            }
            flushRun()
            result += pendingWhitespace
            pendingWhitespace = ""
            previousWasEncoded = false
            // Copy up to the next blank or encoded-word start.
            var end = scanner.index(after: scanner.startIndex)
            while end < scanner.endIndex, !" \t\r\n".contains(scanner[end]) {
                if scanner[end] == "=", scanner[scanner.index(after: end)...].hasPrefix("?"),
                    encodedWord(at: scanner[end...]) != nil
                {
                    break
                }
                end = scanner.index(after: end)
            }
            result += scanner[..<end]
            scanner = scanner[end...]
        }
        flushRun()
        result += pendingWhitespace
        return result
    }

    private struct Word {
        let charset: String
        let bytes: [UInt8]
        let end: Substring.Index
    }

    private static func encodedWord(at text: Substring) -> Word? {
        guard text.hasPrefix("=?") else { return nil }
        let afterOpen = text.index(text.startIndex, offsetBy: 2)
        guard let charsetEnd = text[afterOpen...].firstIndex(of: "?") else { return nil }
        let charset = text[afterOpen..<charsetEnd]
        guard !charset.isEmpty, charset.count < 40, !charset.contains(" ") else { return nil }
        let encodingIndex = text.index(after: charsetEnd)
        guard encodingIndex < text.endIndex else { return nil }
        let encoding = text[encodingIndex]
        let questionIndex = text.index(after: encodingIndex)
        guard questionIndex < text.endIndex, text[questionIndex] == "?" else { return nil }
        let payloadStart = text.index(after: questionIndex)
        guard let close = text[payloadStart...].range(of: "?=") else { return nil }
        let payload = text[payloadStart..<close.lowerBound]
        guard !payload.contains(" ") || payload.count < 2 else { return nil }
        // Raw 8-bit characters inside a word (against the RFC, but seen) stand for their own
        // byte in a single-byte charset.
        let singleByte = Charset.canonicalName(String(charset)) != "utf-8"
        var payloadBytes: [UInt8] = []
        for scalar in payload.unicodeScalars {
            if scalar.isASCII {
                payloadBytes.append(UInt8(scalar.value))
            } else if singleByte, scalar.value <= 0xFF {
                payloadBytes.append(UInt8(scalar.value))
            } else {
                payloadBytes += Array(String(scalar).utf8)
            }
        }
        let bytes: [UInt8]
        switch encoding {
        case "B", "b": bytes = TransferEncoding.decodeBase64(payloadBytes)
        case "Q", "q": bytes = TransferEncoding.decodeQuotedPrintable(payloadBytes, header: true)
        default: return nil
        }
        return Word(charset: String(charset), bytes: bytes, end: close.upperBound)
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
