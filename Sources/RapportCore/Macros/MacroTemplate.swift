import Foundation

/// A saved reply's text with `{{placeholder}}` slots, such as "Hi {{customer.first_name}}".
///
/// Placeholders are checked when a macro is saved, so an agent never sends a reply with a
/// misspelt `{{custmer.name}}` left in it; at insert time every known placeholder has a value.
public struct MacroTemplate: Sendable, Equatable {
    /// The placeholders a macro may use, with what each stands for (shown in the macro editor).
    public static let placeholders: [(name: String, meaning: String)] = [
        ("customer.first_name", "the requester's first name"),
        ("customer.name", "the requester's full name"),
        ("customer.email", "the requester's email address"),
        ("organization.name", "the requester's organization, or nothing"),
        ("agent.first_name", "your first name"),
        ("agent.name", "your full name"),
        ("agent.signature", "your signature"),
        ("ticket.number", "the ticket number, e.g. 1234"),
        ("ticket.subject", "the ticket's subject"),
        ("ticket.status", "the ticket's status"),
    ]

    public static let placeholderNames: Set<String> = Set(placeholders.map(\.name))

    public let text: String

    public init(_ text: String) { self.text = text }

    /// Placeholders in the text that Rapport does not know, in order of appearance.
    public var unknownPlaceholders: [String] {
        var seen: [String] = []
        for slot in slots() where !Self.placeholderNames.contains(slot.name) && !seen.contains(slot.name) {
            seen.append(slot.name)
        }
        return seen
    }

    /// The text with every known placeholder replaced by its value (an absent value becomes
    /// empty text); unknown placeholders are left as written.
    public func render(_ values: [String: String]) -> String {
        var output = ""
        var index = text.startIndex
        for slot in slots() {
            output += text[index..<slot.range.lowerBound]
            if Self.placeholderNames.contains(slot.name) {
                output += values[slot.name] ?? ""
            } else {
                output += text[slot.range]
            }
            index = slot.range.upperBound
        }
        output += text[index...]
        return output
    }

    private struct Slot {
        let name: String
        let range: Range<String.Index>
    }

    /// `{{ name }}` slots; whitespace inside the braces is allowed and names are case-insensitive.
    private func slots() -> [Slot] {
        var found: [Slot] = []
        var searchStart = text.startIndex
        while let open = text.range(of: "{{", range: searchStart..<text.endIndex),
            let close = text.range(of: "}}", range: open.upperBound..<text.endIndex)
        {
            let inner = text[open.upperBound..<close.lowerBound]
            if inner.contains("{") || inner.contains("\n") {
                searchStart = open.upperBound
                continue
            }
            let name = inner.trimmingCharacters(in: .whitespaces).lowercased()
            found.append(Slot(name: name, range: open.lowerBound..<close.upperBound))
            searchStart = close.upperBound
        }
        return found
    }
}

extension String {
    /// The first word of a person's name: "Ana María López" → "Ana".
    public var firstName: String {
        let trimmed = trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.split(whereSeparator: { $0.isWhitespace }).first.map(String.init) ?? trimmed
    }
}
