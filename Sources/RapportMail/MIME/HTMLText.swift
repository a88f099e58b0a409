import Foundation

/// Readable plain text from an HTML mail: block elements become line breaks, list items get a
/// dash, links keep their address, scripts, styles and the head disappear, entities are decoded
/// and blank runs collapse. Not a renderer; a fair reading of what the sender wrote.
public enum HTMLText {
    public static func plainText(_ html: String) -> String {
        var output = ""
        var pendingSpace = false
        var skipUntil: String?  // closing tag name while inside script/style/head/title
        var linkTarget: String?
        var linkTextStart: String.Index?
        var scalars = Substring(html)
        output.reserveCapacity(html.utf8.count / 2)

        func newline(_ count: Int = 1) {
            pendingSpace = false
            var trailing = 0
            for character in output.reversed() { if character == "\n" { trailing += 1 } else { break } }
            if output.isEmpty { return }
            while trailing < count {
                output.append("\n")
                trailing += 1
            }
        }
        func appendText(_ text: Substring) {
            for character in text {
                if character == " " || character == "\t" || character == "\n" || character == "\r" {
                    pendingSpace = true
                } else {
                    if pendingSpace, let last = output.last, last != "\n" { output.append(" ") }
                    pendingSpace = false
                    output.append(character)
                }
            }
        }

        while let open = scalars.firstIndex(of: "<") {
            let text = scalars[..<open]
            if skipUntil == nil { appendText(Substring(decodeEntities(text))) }
            guard let close = tagEnd(scalars, from: open) else {
                if skipUntil == nil { appendText(Substring(decodeEntities(scalars[open...]))) }
                scalars = scalars[scalars.endIndex...]
                break
            }
            let tag = scalars[scalars.index(after: open)..<close]
            scalars = scalars[scalars.index(after: close)...]
            if tag.hasPrefix("!--") {
                // A comment can contain ">"; skip to its real end.
                if !tag.hasSuffix("--"), let end = scalars.range(of: "-->") { scalars = scalars[end.upperBound...] }
                continue
            }
            let isClosing = tag.hasPrefix("/")
            let name = tag.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0.isNumber }).lowercased()
            if let waiting = skipUntil {
                if isClosing, name == waiting { skipUntil = nil }
                continue
            }
            switch name {
            case "script", "style", "head", "title", "noscript", "template":
                if !isClosing, !tag.hasSuffix("/") { skipUntil = name }
            case "br":
                output.append("\n")
                pendingSpace = false
            case "p", "div", "table", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "section",
                "article", "header", "footer", "form", "center":
                newline(name == "p" || name.hasPrefix("h") || name == "blockquote" ? 2 : 1)
            case "tr", "dt", "dd", "address":
                newline()
            case "li":
                if !isClosing {
                    newline()
                    output.append("- ")
                } else {
                    newline()
                }
            case "td", "th":
                if !isClosing, let last = output.last, last != "\n" { output.append(" ") }
            case "hr":
                newline()
                output.append("----")
                newline()
            case "img":
                if let alt = attribute("alt", in: tag), !alt.isEmpty { appendText(Substring("[\(alt)]")) }
            case "a":
                if !isClosing {
                    linkTarget = attribute("href", in: tag)
                    linkTextStart = output.endIndex
                } else if let target = linkTarget, let start = linkTextStart {
                    let linkText = output[start...].trimmingCharacters(in: .whitespaces)
                    let shown = target.hasPrefix("mailto:") ? String(target.dropFirst(7)) : target
                    if target.hasPrefix("http") || target.hasPrefix("mailto:"), !linkText.isEmpty, linkText != shown {
                        output.append(" <\(shown)>")
                    }
                    linkTarget = nil
                    linkTextStart = nil
                }
            default: break
            }
        }
        if skipUntil == nil, !scalars.isEmpty { appendText(Substring(decodeEntities(scalars))) }
        return tidy(output)
    }

    /// The end of a tag starting at `open`, honouring quoted attribute values.
    private static func tagEnd(_ text: Substring, from open: Substring.Index) -> Substring.Index? {
        var quote: Character?
        var index = text.index(after: open)
        while index < text.endIndex {
            let character = text[index]
            if let active = quote {
                if character == active { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == ">" {
                return index
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func attribute(_ name: String, in tag: Substring) -> String? {
        let lower = tag.lowercased()
        guard let range = lower.range(of: name + "=") else { return nil }
        let offset = lower.distance(from: lower.startIndex, to: range.upperBound)
        var rest = tag.dropFirst(offset)
        let quote = rest.first
        if quote == "\"" || quote == "'" {
            rest = rest.dropFirst()
            return decodeEntities(rest.prefix(while: { $0 != quote }))
        }
        return decodeEntities(rest.prefix(while: { !$0.isWhitespace && $0 != ">" }))
    }

    static let entities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®", "trade": "™",
        "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "bull": "•",
        "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "sect": "§", "deg": "°", "middot": "·", "laquo": "«",
        "raquo": "»",
        "auml": "ä", "ouml": "ö", "uuml": "ü", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß", "eacute": "é",
        "egrave": "è",
        "agrave": "à", "aacute": "á", "ccedil": "ç", "ntilde": "ñ", "oacute": "ó", "iacute": "í", "uacute": "ú",
        "times": "×",
        "zwnj": "", "zwj": "", "shy": "",
    ]

    public static func decodeEntities<S: StringProtocol>(_ text: S) -> String {
        guard text.contains("&") else { return String(text) }
        var result = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            result += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            let name = after.prefix(while: { $0 != ";" && !$0.isWhitespace && $0 != "&" && $0 != "<" }).prefix(12)
            let hasSemicolon = after.dropFirst(name.count).first == ";"
            var replacement: String?
            if name.hasPrefix("#") {
                let digits = name.dropFirst()
                let value =
                    digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                if let value, let scalar = Unicode.Scalar(value), value != 0 { replacement = String(Character(scalar)) }
            } else {
                replacement = entities[String(name)]
            }
            if let replacement {
                result += replacement
                rest = after.dropFirst(name.count + (hasSemicolon ? 1 : 0))
            } else {
                result += "&"
                rest = after
            }
        }
        result += rest
        return result
    }

    /// Trims each line, and keeps at most one blank line in a row.
    private static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed()
            let clean = Substring(String(trimmed))
            if clean.isEmpty {
                blank += 1
                if blank > 1 || lines.isEmpty { continue }
            } else {
                blank = 0
            }
            lines.append(clean)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
