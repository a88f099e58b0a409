import Foundation

/// URL slugs for help-center pages: "How do I reset my password?" → "how-do-i-reset-my-password".
public enum Slug {
    public static let maximumLength = 80

    /// Lowercase ASCII letters and digits joined by single hyphens; accents are folded
    /// ("Café" → "cafe"). Empty when nothing usable is left.
    public static func make(_ text: String) -> String {
        let folded = text.folding(
            options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive],
            locale: Locale(identifier: "en_US_POSIX")
        ).lowercased()
        var slug = ""
        var pendingHyphen = false
        for scalar in folded.unicodeScalars {
            if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                let hyphen = pendingHyphen && !slug.isEmpty
                if slug.count + (hyphen ? 2 : 1) > maximumLength { break }
                if hyphen { slug.append("-") }
                pendingHyphen = false
                slug.unicodeScalars.append(scalar)
            } else {
                pendingHyphen = true
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug
    }

    /// Whether `text` is already a slug as `make` writes them.
    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.count <= maximumLength && make(text) == text
    }
}
