import Foundation

/// The start of a longer text for a list: on one line, cut at a word, with "…" when cut.
public enum TextPreview {
    public static func excerpt(_ text: String, maximumLength: Int) -> String {
        let flat = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        guard flat.count > maximumLength else { return flat }
        let cut = flat.prefix(maximumLength)
        let lastSpace = cut.lastIndex(of: " ")
        let kept = lastSpace.map { cut[..<$0] } ?? cut
        return kept.trimmingCharacters(in: CharacterSet(charactersIn: " ,.;:-")) + "…"
    }
}
