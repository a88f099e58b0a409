import Foundation
import RapportCore

/// Separates what a customer just wrote from the history their mail client quoted below it
/// ("On Monday, Ada wrote:", "-----Original Message-----", Outlook's From/Sent block, or a run of
/// "> " lines at the end). The history is kept, folded away, never thrown out.
public struct ReplyText: Sendable, Equatable {
    public let newText: String
    /// The quoted history, or nil when nothing was quoted.
    public let quoted: String?

    public init(_ text: String) {
        let lines = text.withUnixLineEnds.components(separatedBy: "\n")
        guard let cut = Self.historyStart(lines) else {
            newText = text.trimmingCharacters(in: .whitespacesAndNewlines)
            quoted = nil
            return
        }
        let head = lines[..<cut].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        let tail = lines[cut...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        // A message that is all quote (a forward with no words) keeps the quote as its text.
        if head.isEmpty {
            newText = tail
            quoted = nil
        } else {
            newText = head
            quoted = tail.isEmpty ? nil : tail
        }
    }

    private static let separators = [
        "-----original message-----", "----- original message -----", "-------- original message --------",
        "________________________________", "-----ursprüngliche nachricht-----", "-------- message d'origine --------",
        "-----mensaje original-----", "begin forwarded message:",
    ]

    static func historyStart(_ lines: [String]) -> Int? {
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let lower = line.lowercased()
            if separators.contains(where: { lower.hasPrefix($0) }) { return index }
            // "On <date>, <name> wrote:" possibly wrapped over two lines.
            if isAttribution(lower) { return index }
            if index + 1 < lines.count, lower.hasPrefix("on ") || lower.hasPrefix("am ") || lower.hasPrefix("le "),
                isAttribution(lower + " " + lines[index + 1].trimmingCharacters(in: .whitespaces).lowercased()),
                lines[index + 1].hasPrefix(">") == false
            {
                return index
            }
            // Outlook: "From: ..." followed within three lines by "Sent:" or "Date:".
            if lower.hasPrefix("from:"), index > 0,
                lines[(index + 1)..<min(lines.count, index + 4)].contains(where: {
                    let l = $0.lowercased()
                    return l.hasPrefix("sent:") || l.hasPrefix("date:")
                })
            {
                return index
            }
        }
        // A closing block of quoted lines (with blank lines among them) and nothing after it.
        var start: Int?
        for index in stride(from: lines.count - 1, through: 0, by: -1) {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix(">") { start = index } else if line.isEmpty { continue } else { break }
        }
        return start
    }

    private static func isAttribution(_ lower: String) -> Bool {
        guard lower.count < 300 else { return false }
        let starts =
            lower.hasPrefix("on ") || lower.hasPrefix("am ") || lower.hasPrefix("le ") || lower.hasPrefix("el ")
        let ends =
            lower.hasSuffix("wrote:") || lower.hasSuffix("schrieb:") || lower.hasSuffix("a écrit :")
            || lower.hasSuffix("a écrit:") || lower.hasSuffix("escribió:")
        return starts && ends
    }
}
