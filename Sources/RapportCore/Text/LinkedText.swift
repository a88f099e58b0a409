import Foundation

/// Plain text as HTML in which web addresses are links: everything is escaped, and only
/// `http://`, `https://` and `www.` addresses become `<a>` elements, so a message can never
/// smuggle in markup or a `javascript:` link.
public enum LinkedText {
    /// The HTML for one run of text (line breaks are the caller's to handle).
    public static func html(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        while let found = nextLink(in: rest) {
            result += HTMLEscaping.escape(rest[rest.startIndex..<found.range.lowerBound])
            let shown = HTMLEscaping.escape(rest[found.range])
            result +=
                "<a href=\"\(HTMLEscaping.escape(found.target))\" rel=\"noopener noreferrer nofollow\" target=\"_blank\">\(shown)</a>"
            rest = rest[found.range.upperBound...]
        }
        return result + HTMLEscaping.escape(rest)
    }

    /// Text with line breaks kept as `<br>`.
    public static func htmlKeepingLines(_ text: String) -> String {
        text.withUnixLineEnds.split(separator: "\n", omittingEmptySubsequences: false)
            .map { html(String($0)) }.joined(separator: "<br>\n")
    }

    /// The web addresses in a text, in order, as they would be linked.
    public static func links(in text: String) -> [String] {
        var found: [String] = []
        var rest = Substring(text)
        while let link = nextLink(in: rest) {
            found.append(link.target)
            rest = rest[link.range.upperBound...]
        }
        return found
    }

    private static let maximumLength = 2_000

    private static func nextLink(in text: Substring) -> (range: Range<Substring.Index>, target: String)? {
        var searchFrom = text.startIndex
        while searchFrom < text.endIndex {
            let candidates = ["https://", "http://", "www."].compactMap { prefix in
                text[searchFrom...].range(of: prefix, options: [.caseInsensitive]).map { (prefix, $0) }
            }
            guard let (prefix, start) = candidates.min(by: { $0.1.lowerBound < $1.1.lowerBound }) else { return nil }
            // The address must start a word: "xhttp://" or "awww." are not links.
            if start.lowerBound > text.startIndex {
                let before = text[text.index(before: start.lowerBound)]
                if before.isLetter || before.isNumber || before == "/" || before == "." || before == "@" {
                    searchFrom = start.upperBound
                    continue
                }
            }
            var end = start.upperBound
            while end < text.endIndex, isURLCharacter(text[end]) { end = text.index(after: end) }
            // Punctuation at the end belongs to the sentence; a closing bracket only when the
            // address opened none.
            while end > start.upperBound {
                let last = text[text.index(before: end)]
                let candidate = text[start.lowerBound..<end]
                if ".,;:!?'\"".contains(last) || (last == ")" && !candidate.contains("("))
                    || (last == "]" && !candidate.contains("["))
                {
                    end = text.index(before: end)
                } else {
                    break
                }
            }
            let address = text[start.lowerBound..<end]
            let host = address.dropFirst(prefix.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            guard end > start.upperBound, address.count <= maximumLength,
                host.contains(where: { $0.isLetter || $0.isNumber }),
                prefix != "www." || host.contains(".")
            else {
                searchFrom = start.upperBound
                continue
            }
            let target = prefix == "www." ? "https://" + address : String(address)
            return (start.lowerBound..<end, target)
        }
        return nil
    }

    private static func isURLCharacter(_ character: Character) -> Bool {
        guard let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1, scalar.isASCII else {
            return false
        }
        switch scalar.value {
        case 0x21...0x7E: return !"<>\"`{}|\\^".unicodeScalars.contains(scalar)
        default: return false
        }
    }
}
