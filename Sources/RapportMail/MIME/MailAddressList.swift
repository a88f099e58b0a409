import Foundation

/// A mailbox as written in From, To, Cc and Reply-To: an optional display name and an address.
public struct MailAddress: Sendable, Equatable, Hashable, Codable {
    public var name: String?
    public var address: String

    public init(name: String?, address: String) {
        self.name = name
        self.address = address
    }

    /// `"Name" <address>` with the name encoded as RFC 2047 words when it is not ASCII.
    public var headerValue: String {
        guard let name, !name.isEmpty else { return address }
        let encoded = EncodedWords.encodeIfNeeded(name)
        if encoded != name { return "\(encoded) <\(address)>" }
        let needsQuotes = name.contains(where: { "()<>[]:;@\\,.\"".contains($0) })
        let quoted =
            needsQuotes
            ? "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\"" : name
        return "\(quoted) <\(address)>"
    }
}

/// RFC 5322 address lists (§3.4) with the obsolete forms mail still carries: display names as
/// phrases or quoted strings (with encoded words), comments as names, groups, source routes,
/// missing angle brackets and stray commas. Group members are returned in line.
public enum MailAddressList {
    public static func parse(_ value: String) -> [MailAddress] {
        let tokens = HeaderToken.tokenize(value, specials: ["<", ">", "@", ",", ";", ":", "."])
        var result: [MailAddress] = []
        var phrase: [HeaderToken] = []
        var angle: [HeaderToken]?
        var angleClosed = false
        var comments: [String] = []
        var index = 0

        func finishMailbox() {
            defer {
                phrase = []
                angle = nil
                angleClosed = false
                comments = []
            }
            if let angle {
                let address = addressText(dropRoute(angle))
                guard !address.isEmpty else { return }
                let name = displayName(phrase) ?? comments.first.map(EncodedWords.decode)
                result.append(MailAddress(name: name.flatMap { $0.isEmpty ? nil : $0 }, address: address))
                return
            }
            let address = addressText(phrase)
            guard !address.isEmpty else { return }
            guard address.contains("@") else { return }  // a bare word ("From: Whomever") is no mailbox
            let name = comments.first.map { EncodedWords.decode($0).trimmingCharacters(in: .whitespaces) }
            result.append(MailAddress(name: name.flatMap { $0.isEmpty ? nil : $0 }, address: address))
        }

        while index < tokens.count {
            let token = tokens[index]
            index += 1
            if angle != nil, !angleClosed {
                if token == .special(">") {
                    angleClosed = true
                } else if case .comment = token {
                } else {
                    angle!.append(token)
                }
                continue
            }
            switch token {
            case .special("<"): angle = []
            case .special(","): finishMailbox()
            case .special(";"): finishMailbox()
            case .special(":"):
                // A group's name ends at the colon; its members follow.
                if angle == nil {
                    phrase = []
                    comments = []
                }
            case .comment(let text): comments.append(text)
            default:
                phrase.append(token)  // after "<addr>" too: a misplaced name is still a name
            }
        }
        finishMailbox()
        return result
    }

    /// The first address of a field such as From, if any.
    public static func first(_ value: String?) -> MailAddress? { value.flatMap { parse($0).first } }

    private static func dropRoute(_ tokens: [HeaderToken]) -> [HeaderToken] {
        // Obsolete source route: "<@relay1,@relay2:user@example.com>".
        guard tokens.first == .special("@"), let colon = tokens.firstIndex(of: .special(":")) else { return tokens }
        return Array(tokens[(colon + 1)...])
    }

    private static func addressText(_ tokens: [HeaderToken]) -> String {
        var text = ""
        for token in tokens {
            switch token {
            case .atom(let atom): text += atom
            case .quoted(let quoted):
                let plain = quoted.allSatisfy { $0.isLetter || $0.isNumber || "!#$%&'*+-/=?^_`{|}~.".contains($0) }
                text += plain ? quoted : "\"" + quoted.replacingOccurrences(of: "\"", with: "\\\"") + "\""
            case .domainLiteral(let literal): text += "[" + literal + "]"
            case .special(let character) where character == "@" || character == ".": text.append(character)
            default: break
            }
        }
        return text
    }

    private static func displayName(_ tokens: [HeaderToken]) -> String? {
        var words: [String] = []
        for token in tokens {
            switch token {
            case .atom(let atom): words.append(atom)
            case .quoted(let quoted): words.append(quoted)
            case .special(let character) where character == "." || character == "@":
                if let last = words.popLast() {
                    words.append(last + String(character))
                } else {
                    words.append(String(character))
                }
            default: break
            }
        }
        guard !words.isEmpty else { return nil }
        var joined = ""
        for (position, word) in words.enumerated() {
            if position > 0, !(joined.hasSuffix(".") && word.first?.isLetter == false) { joined += " " }
            joined += word
        }
        return EncodedWords.decode(joined).trimmingCharacters(in: .whitespaces)
    }
}
