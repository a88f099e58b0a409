import Foundation

/// One header field, unfolded (RFC 5322 §2.2.3). `value` is the raw text after the colon with
/// encoded words left as they are; `decoded` applies RFC 2047.
public struct MailHeader: Sendable, Equatable {
    public let name: String
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var decoded: String { EncodedWords.decode(value) }
}

/// A header section in order, with case-insensitive lookup.
public struct MailHeaders: Sendable, Equatable {
    public private(set) var fields: [MailHeader]

    public init(_ fields: [MailHeader] = []) { self.fields = fields }

    public subscript(name: String) -> String? { first(name) }

    public func first(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public func all(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { first(name) != nil }

    public mutating func append(_ name: String, _ value: String) { fields.append(MailHeader(name: name, value: value)) }

    /// Splits raw message bytes into the header section and where the body starts.
    /// Lenient: LF or CRLF line ends, an mbox "From " line skipped, and a line that is
    /// neither a field nor a continuation ends the headers (as if a blank line were missing).
    static func parse(_ bytes: ArraySlice<UInt8>, warnings: inout [String]) -> (headers: MailHeaders, bodyStart: Int) {
        var fields: [MailHeader] = []
        var index = bytes.startIndex
        var currentName: String?
        var currentValue: [UInt8] = []

        func finish() {
            guard let name = currentName else { return }
            var value = currentValue
            while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
            var start = 0
            while start < value.count, value[start] == 0x20 || value[start] == 0x09 { start += 1 }
            let slice = value[start...]
            let text: String
            if let utf8 = String(validating: slice, as: UTF8.self) {
                text = utf8
            } else {
                warnings.append("header '\(name)' holds 8-bit bytes that are not UTF-8; read as Windows-1252")
                text = Charset.decode(slice, charset: "windows-1252").text
            }
            fields.append(MailHeader(name: name, value: text))
            currentName = nil
            currentValue = []
        }

        var firstLine = true
        while index < bytes.endIndex {
            var lineEnd = index
            while lineEnd < bytes.endIndex, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let next = lineEnd < bytes.endIndex ? lineEnd + 1 : lineEnd
            var contentEnd = lineEnd
            if contentEnd > index, bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            let line = bytes[index..<contentEnd]

            if line.isEmpty {
                finish()
                return (MailHeaders(fields), next)
            }
            if firstLine, line.starts(with: Array("From ".utf8)) {
                firstLine = false
                index = next
                continue
            }
            firstLine = false
            if line.first == 0x20 || line.first == 0x09 {
                if currentName != nil {
                    currentValue.append(contentsOf: line)  // unfold: drop the line break, keep the blank
                    index = next
                    continue
                }
                warnings.append("the message starts with a continuation line; it was ignored")
                index = next
                continue
            }
            if let colon = line.firstIndex(of: UInt8(ascii: ":")),
                case let nameBytes = line[line.startIndex..<colon],
                !nameBytes.isEmpty, isFieldName(nameBytes)
            {
                finish()
                currentName = String(decoding: nameBytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                currentValue = Array(line[(colon + 1)...])
                index = next
                continue
            }
            finish()
            warnings.append("a line in the header section is not a header field; the body is taken to start there")
            return (MailHeaders(fields), index)
        }
        finish()
        return (MailHeaders(fields), bytes.endIndex)
    }

    private static func isFieldName(_ bytes: ArraySlice<UInt8>) -> Bool {
        var trimmed = bytes
        while let last = trimmed.last, last == 0x20 || last == 0x09 { trimmed.removeLast() }  // obsolete "Name :" form
        guard !trimmed.isEmpty, trimmed.count <= 200 else { return false }
        return trimmed.allSatisfy { $0 > 32 && $0 < 127 }
    }
}
