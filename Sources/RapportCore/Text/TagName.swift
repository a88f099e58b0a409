/// Tags are short lowercase labels such as `billing` or `vip-customer`.
public enum TagName {
    public static let maximumLength = 50

    /// The stored form of a tag typed by a person: trimmed, lowercased, inner whitespace turned
    /// into hyphens. `nil` when nothing usable is left or it contains characters other than
    /// letters, digits, `-`, `_`, `.` and `:`.
    public static func normalize(_ raw: String) -> String? {
        let words = raw.lowercased().split(whereSeparator: { $0.isWhitespace })
        let joined = words.joined(separator: "-")
        guard !joined.isEmpty, joined.count <= maximumLength else { return nil }
        let allowed = joined.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-_.:".unicodeScalars.contains(scalar)
        }
        return allowed ? joined : nil
    }

    /// Normalizes a list, dropping duplicates while keeping the first-seen order.
    /// Returns the invalid inputs separately so the caller can report them.
    public static func normalize(_ raws: [String]) -> (tags: [String], invalid: [String]) {
        var seen = Set<String>()
        var tags: [String] = []
        var invalid: [String] = []
        for raw in raws {
            guard let tag = normalize(raw) else {
                invalid.append(raw)
                continue
            }
            if seen.insert(tag).inserted { tags.append(tag) }
        }
        return (tags, invalid)
    }
}
