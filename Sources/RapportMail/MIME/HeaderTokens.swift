import Foundation

/// The lexical pieces of a structured header field (RFC 5322 §3.2): atoms, quoted strings,
/// comments, domain literals and the special characters between them. Unclosed quotes,
/// comments and brackets end at the end of the field instead of failing.
enum HeaderToken: Equatable {
    case atom(String)
    case quoted(String)
    case comment(String)
    case domainLiteral(String)
    case special(Character)

    /// Splits a field value. `specials` are the characters that stand alone; for address
    /// fields they include `<>@,;:.`, for parameter fields `;=/`.
    static func tokenize(_ text: String, specials: Set<Character>) -> [HeaderToken] {
        var tokens: [HeaderToken] = []
        var atom = ""
        func flushAtom() {
            if !atom.isEmpty {
                tokens.append(.atom(atom))
                atom = ""
            }
        }
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            switch character {
            case " ", "\t", "\r", "\n":
                flushAtom()
                index = text.index(after: index)
            case "\"":
                flushAtom()
                var value = ""
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "\"" {
                    if text[index] == "\\", text.index(after: index) < text.endIndex {
                        index = text.index(after: index)
                    }
                    if text[index] != "\r" && text[index] != "\n" { value.append(text[index]) }
                    index = text.index(after: index)
                }
                if index < text.endIndex { index = text.index(after: index) }
                tokens.append(.quoted(value))
            case "(":
                flushAtom()
                var depth = 1
                var value = ""
                index = text.index(after: index)
                while index < text.endIndex, depth > 0 {
                    let inner = text[index]
                    if inner == "\\", text.index(after: index) < text.endIndex {
                        index = text.index(after: index)
                        value.append(text[index])
                    } else if inner == "(" {
                        depth += 1
                        value.append(inner)
                    } else if inner == ")" {
                        depth -= 1
                        if depth > 0 { value.append(inner) }
                    } else {
                        value.append(inner)
                    }
                    index = text.index(after: index)
                }
                tokens.append(.comment(value))
            case "[" where specials.contains("@"):
                flushAtom()
                var value = ""
                index = text.index(after: index)
                while index < text.endIndex, text[index] != "]" {
                    value.append(text[index])
                    index = text.index(after: index)
                }
                if index < text.endIndex { index = text.index(after: index) }
                tokens.append(.domainLiteral(value))
            default:
                if specials.contains(character) {
                    flushAtom()
                    tokens.append(.special(character))
                } else {
                    atom.append(character)
                }
                index = text.index(after: index)
            }
        }
        flushAtom()
        return tokens
    }
}
