import Foundation

/// A Content-Type or Content-Disposition value: `type/subtype` (or a disposition) and its
/// parameters, with RFC 2231 continuations and charsets and RFC 2047 words in quoted values
/// (which the RFC forbids and mail clients send anyway).
public struct HeaderParameters: Sendable, Equatable {
    /// Lowercased: `text/plain`, `multipart/mixed`, `attachment` ...
    public var value: String
    /// Parameter names lowercased, values decoded.
    public var parameters: [String: String]

    public init(value: String, parameters: [String: String] = [:]) {
        self.value = value
        self.parameters = parameters
    }

    public subscript(parameter: String) -> String? { parameters[parameter.lowercased()] }

    public var type: String { String(value.split(separator: "/").first ?? "") }
    public var subtype: String { value.split(separator: "/").dropFirst().first.map(String.init) ?? "" }

    public static func parse(_ raw: String) -> HeaderParameters {
        let tokens = HeaderToken.tokenize(raw, specials: [";", "="])
        var index = 0
        var head = ""
        while index < tokens.count, tokens[index] != .special(";") {
            switch tokens[index] {
            case .atom(let text), .quoted(let text): head += text
            default: break
            }
            index += 1
        }
        var raw: [(name: String, value: String, quoted: Bool)] = []
        while index < tokens.count {
            guard tokens[index] == .special(";") else {
                index += 1
                continue
            }
            index += 1
            guard index < tokens.count, case .atom(let name) = tokens[index] else { continue }
            index += 1
            guard index < tokens.count, tokens[index] == .special("=") else { continue }
            index += 1
            var value = ""
            var quoted = false
            // A value runs to the next ";": unquoted values with blanks are joined as written.
            var pieces: [String] = []
            while index < tokens.count, tokens[index] != .special(";") {
                switch tokens[index] {
                case .atom(let text): pieces.append(text)
                case .quoted(let text):
                    pieces.append(text)
                    quoted = true
                case .special("="): pieces.append("=")
                default: break
                }
                index += 1
            }
            value =
                quoted
                ? pieces.joined() : pieces.joined(separator: pieces.count > 1 && !pieces.contains("=") ? " " : "")
            raw.append((name.lowercased(), value, quoted))
        }
        return HeaderParameters(value: head.lowercased(), parameters: combine(raw))
    }

    /// Joins `name*0*`, `name*1` ... continuations and decodes `charset'lang'%XX` values.
    private static func combine(_ raw: [(name: String, value: String, quoted: Bool)]) -> [String: String] {
        var simple: [String: String] = [:]
        var sections: [String: [(index: Int, value: String, extended: Bool)]] = [:]
        for (name, value, quoted) in raw {
            var base = name
            var extended = false
            if base.hasSuffix("*") {
                extended = true
                base.removeLast()
            }
            if let star = base.lastIndex(of: "*"), let number = Int(base[base.index(after: star)...]) {
                sections[String(base[..<star]), default: []].append((number, value, extended))
            } else if extended {
                sections[base, default: []].append((0, value, true))
            } else if simple[base] == nil {
                simple[base] = quoted || value.contains("=?") ? EncodedWords.decode(value) : value
            }
        }
        for (name, parts) in sections {
            let ordered = parts.sorted { $0.index < $1.index }
            var charset = "us-ascii"
            var bytes: [UInt8] = []
            for (position, part) in ordered.enumerated() {
                var text = Substring(part.value)
                if part.extended, position == 0 {
                    let pieces = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                    if pieces.count == 3 {
                        charset = pieces[0].isEmpty ? "us-ascii" : String(pieces[0])
                        text = pieces[2]
                    }
                }
                bytes += part.extended ? percentDecoded(text) : Array(text.utf8)
            }
            simple[name] = Charset.decode(bytes, charset: charset).text  // RFC 2231 values win
        }
        return simple
    }

    private static func percentDecoded(_ text: Substring) -> [UInt8] {
        let utf8 = Array(text.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
                let high = TransferEncoding.hexValue(utf8[index + 1]),
                let low = TransferEncoding.hexValue(utf8[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return bytes
    }
}

/// Message-ID, In-Reply-To and References values: the ids inside angle brackets, without them.
/// Ids written without brackets (old or broken mailers) are accepted when they contain `@`.
public enum MessageIDList {
    public static func parse(_ value: String?) -> [String] {
        guard let value, !value.isEmpty else { return [] }
        var ids: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let id = rest[rest.index(after: open)..<close].filter { !$0.isWhitespace }
            if !id.isEmpty { ids.append(String(id)) }
            rest = rest[rest.index(after: close)...]
        }
        if ids.isEmpty {
            for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }) where word.contains("@") {
                ids.append(String(word.trimmingCharacters(in: CharacterSet(charactersIn: "<>()\""))))
            }
        }
        return ids
    }
}
