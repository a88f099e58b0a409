import Foundation

/// Keeps only the HTML a help-center article may contain: a fixed set of formatting tags, links
/// and images with http(s), mailto or same-site addresses, and no other attributes. Everything
/// else is shown as text. Used on rendered Markdown, which may carry raw HTML from its author.
public enum SafeHTML {
    static let allowedTags: Set<String> = [
        "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4",
        "h5", "h6",
        "a", "img", "hr", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
    ]
    static let voidTags: Set<String> = ["br", "hr", "img"]

    public static func sanitize(_ html: String) -> String {
        var output = ""
        output.reserveCapacity(html.utf8.count)
        var index = html.startIndex
        while index < html.endIndex {
            let character = html[index]
            guard character == "<" else {
                output.append(character)
                index = html.index(after: index)
                continue
            }
            guard let close = html[index...].firstIndex(of: ">"),
                let tag = rebuild(html[html.index(after: index)..<close])
            else {
                output.append("&lt;")
                index = html.index(after: index)
                continue
            }
            output.append(tag)
            index = html.index(after: close)
        }
        return output
    }

    /// The tag rebuilt from what is allowed, or nil when it is not a tag to keep.
    private static func rebuild(_ inner: Substring) -> String? {
        var text = String(inner)
        let closing = text.hasPrefix("/")
        if closing { text.removeFirst() }
        // A tag's name follows "<" (or "</") directly; "a < b" is text.
        guard text.first?.isLetter == true else { return nil }
        if text.hasSuffix("/") { text.removeLast() }
        let name = String(text.prefix { $0.isLetter || $0.isNumber }).lowercased()
        guard allowedTags.contains(name) else { return nil }
        if closing { return voidTags.contains(name) ? "" : "</\(name)>" }
        let attributes = parseAttributes(text.dropFirst(name.count))
        var kept: [String] = []
        switch name {
        case "a":
            guard let href = attributes["href"].flatMap(safeURL) else { return "<a>" }
            kept.append("href=\"\(HTMLEscaping.escape(href))\"")
            if isExternal(href) { kept.append("rel=\"nofollow noopener\"") }
        case "img":
            guard let src = attributes["src"].flatMap(safeURL), !src.lowercased().hasPrefix("mailto:") else {
                return ""
            }
            kept.append("src=\"\(HTMLEscaping.escape(src))\"")
            kept.append("alt=\"\(HTMLEscaping.escape(attributes["alt"] ?? ""))\"")
            kept.append("loading=\"lazy\"")
        default:
            break
        }
        return "<" + ([name] + kept).joined(separator: " ") + ">"
    }

    private static func parseAttributes(_ text: Substring) -> [String: String] {
        var attributes: [String: String] = [:]
        var rest = text[...]
        while true {
            rest = rest.drop { $0.isWhitespace }
            let name = rest.prefix { !$0.isWhitespace && $0 != "=" }
            guard !name.isEmpty else { break }
            rest = rest.dropFirst(name.count).drop { $0.isWhitespace }
            var value = ""
            if rest.first == "=" {
                rest = rest.dropFirst().drop { $0.isWhitespace }
                if let quote = rest.first, quote == "\"" || quote == "'" {
                    rest = rest.dropFirst()
                    let body = rest.prefix { $0 != quote }
                    value = String(body)
                    rest = rest.dropFirst(body.count + 1)
                } else {
                    let body = rest.prefix { !$0.isWhitespace }
                    value = String(body)
                    rest = rest.dropFirst(body.count)
                }
            }
            attributes[name.lowercased()] = decodeEntities(value)
        }
        return attributes
    }

    /// http(s), mailto, or a path on this site ("/help/…", "#section"); nothing that runs script.
    static func safeURL(_ raw: String) -> String? {
        let url = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        // Browsers drop tabs and newlines inside a URL ("java\tscript:"), so any of them, or any
        // other control character, makes the address suspect.
        guard !url.isEmpty,
            !url.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\\" })
        else { return nil }
        let lower = url.lowercased()
        if lower.hasPrefix("https://") || lower.hasPrefix("http://") || lower.hasPrefix("mailto:") { return url }
        if lower.hasPrefix("//") { return nil }
        if url.hasPrefix("/") || url.hasPrefix("#") { return url }
        // A relative path: safe when it has no scheme before its first slash.
        if let colon = url.firstIndex(of: ":"), url[..<colon].allSatisfy({ $0 != "/" && $0 != "?" && $0 != "#" }) {
            return nil
        }
        return url
    }

    private static func isExternal(_ url: String) -> Bool {
        let lower = url.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// An attribute's value as a browser reads it: named and numeric character references
    /// decoded, so the URL that is checked is the one that would be followed.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named: [String: String] = [
            "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "colon": ":", "tab": "\t", "newline": "\n",
        ]
        var output = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            output += rest[..<ampersand]
            let after = rest[rest.index(after: ampersand)...]
            let name = after.prefix { $0.isLetter || $0.isNumber || $0 == "#" }
            var replacement: String?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map {
                    String(Character($0))
                }
            } else if name.hasPrefix("#") {
                replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else {
                replacement = named[name.lowercased()]
            }
            if let replacement, !name.isEmpty {
                output += replacement
                rest = after.dropFirst(name.count)
                if rest.first == ";" { rest = rest.dropFirst() }
            } else {
                output += "&"
                rest = after
            }
        }
        return output + rest
    }
}
