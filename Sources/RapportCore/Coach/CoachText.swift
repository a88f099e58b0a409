import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A piece of text prepared for pattern matching: typographic quotes and apostrophes made plain
/// so "can’t" and "can't" match alike, and split into sentences with their positions.
///
/// Positions are UTF-16 offsets into the original text, the unit browsers use for text
/// selections, so a finding can be highlighted in a text area as it is.
struct CoachText: Sendable {
    let original: String
    /// The text with quotes straightened; the same length in UTF-16 as `original`.
    let plain: String
    let sentences: [Sentence]

    struct Sentence: Sendable {
        let range: Range<Int>
        let text: String
        /// Whether the sentence ends with a question mark.
        var isQuestion: Bool { text.trimmingCharacters(in: .whitespaces).hasSuffix("?") }
    }

    init(_ text: String) {
        original = text
        // Scalars, not Characters: comparing Characters is far slower, and every replacement
        // here is one UTF-16 unit for one, so positions stay the same.
        // Most drafts have no typographic quotes at all: then the text is used as it is.
        let needsStraightening = text.unicodeScalars.contains {
            [0x2019, 0x2018, 0x02BC, 0x2032, 0x201C, 0x201D, 0x201E, 0x00A0].contains($0.value)
        }
        var scalars = String.UnicodeScalarView()
        for scalar in needsStraightening ? text.unicodeScalars : "".unicodeScalars {
            switch scalar.value {
            case 0x2019, 0x2018, 0x02BC, 0x2032: scalars.append("'")
            case 0x201C, 0x201D, 0x201E: scalars.append("\"")
            case 0x00A0: scalars.append(" ")
            default: scalars.append(scalar)
            }
        }
        plain = needsStraightening ? String(scalars) : text
        sentences = Self.split(plain)
    }

    /// Sentences end at `.`, `!`, `?` or `…` followed by space, and at line breaks; a line of
    /// its own (a greeting, a sign-off) is a sentence.
    private static func split(_ text: String) -> [Sentence] {
        let units = Array(text.utf16)
        var sentences: [Sentence] = []
        var start = 0
        var index = 0
        func emit(_ end: Int) {
            var lower = start
            var upper = end
            while lower < upper, isSpace(units[lower]) { lower += 1 }
            while upper > lower, isSpace(units[upper - 1]) { upper -= 1 }
            if upper > lower {
                let from = String.Index(utf16Offset: lower, in: text)
                let to = String.Index(utf16Offset: upper, in: text)
                sentences.append(Sentence(range: lower..<upper, text: String(text[from..<to])))
            }
            start = end
        }
        while index < units.count {
            let unit = units[index]
            if unit == 0x0A {  // newline
                emit(index)
                start = index + 1
            } else if unit == 0x2E || unit == 0x21 || unit == 0x3F || unit == 0x2026 {  // . ! ? …
                var end = index + 1
                while end < units.count, [0x2E, 0x21, 0x3F, 0x22, 0x27, 0x29].contains(units[end]) { end += 1 }
                if end == units.count || isSpace(units[end]) {
                    emit(end)
                    index = end
                    continue
                }
            }
            index += 1
        }
        emit(units.count)
        return sentences
    }

    private static func isSpace(_ unit: UInt16) -> Bool { unit == 0x20 || unit == 0x09 || unit == 0x0A || unit == 0x0D }

    /// The sentences of the body: without the sign-off lines at the end (a name, "Best,").
    func bodySentences(signOffNames: [String]) -> [Sentence] {
        var result = sentences
        while let last = result.last, CoachText.isSignOffLine(last.text, names: signOffNames) { result.removeLast() }
        return result
    }

    static let valedictions = [
        "best", "best regards", "best wishes", "kind regards", "warm regards", "warmest regards", "regards",
        "many thanks", "thanks",
        "thank you", "thanks again", "cheers", "sincerely", "yours sincerely", "yours faithfully", "yours",
        "all the best", "take care",
        "speak soon", "talk soon", "with thanks", "with best wishes", "respectfully", "cordially", "saludos",
        "un saludo", "cordialement",
        "viele grüße", "mit freundlichen grüßen", "grüße", "atenciosamente", "abraços", "cumprimentos",
    ]

    /// A closing line such as "Best regards," or the agent's name, or a team signature.
    static func isSignOffLine(_ line: String, names: [String]) -> Bool {
        let cleaned = line.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " ,.!-–—~\t"))
        if cleaned.isEmpty { return true }
        if valedictions.contains(cleaned) { return true }
        if names.contains(where: { !$0.isEmpty && cleaned == $0.lowercased() }) { return true }
        // "— Sam, Customer Care", "The Support Team", "Acme Support"
        let words = cleaned.split(separator: " ")
        if words.count <= 5, let last = words.last,
            ["team", "support", "care", "service", "desk", "helpdesk"].contains(String(last))
        {
            return true
        }
        return false
    }
}

/// Ranges merged where they overlap or touch, in order, so whether a range overlaps any of them
/// is a binary search.
struct DisjointRanges: Sendable {
    private(set) var ranges: [Range<Int>] = []

    init(_ unordered: [Range<Int>]) {
        for range in unordered.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = ranges.last, range.lowerBound <= last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                ranges.append(range)
            }
        }
    }

    func overlaps(_ range: Range<Int>) -> Bool {
        // The first merged range that ends after `range` starts is the only one that can overlap.
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].overlaps(range)
    }
}

/// Regular expressions compiled once per pattern text, case-insensitive, matching whole text.
final class PatternCache: @unchecked Sendable {
    static let shared = PatternCache()
    private var compiled: [String: NSRegularExpression] = [:]
    private let lock = NSLock()

    func regex(_ pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let cached = compiled[pattern] { return cached }
        guard
            let made = try? NSRegularExpression(
                pattern: pattern, options: [.caseInsensitive, .useUnicodeWordBoundaries])
        else { return nil }
        compiled[pattern] = made
        return made
    }

    /// Every match of `pattern` in `text`, as UTF-16 ranges.
    func matches(_ pattern: String, in text: String, range: Range<Int>? = nil) -> [Range<Int>] {
        guard let regex = regex(pattern) else { return [] }
        let searchRange =
            range.map { NSRange(location: $0.lowerBound, length: $0.count) }
            ?? NSRange(location: 0, length: text.utf16.count)
        return regex.matches(in: text, range: searchRange)
            .map { $0.range.location..<($0.range.location + $0.range.length) }
    }

    /// Matches within one sentence, as positions in the whole text. Searching the sentence's own
    /// string keeps what Foundation copies for the search to the sentence.
    func matches(_ pattern: String, in sentence: CoachText.Sentence) -> [Range<Int>] {
        let shift = sentence.range.lowerBound
        return matches(pattern, in: sentence.text).map { ($0.lowerBound + shift)..<($0.upperBound + shift) }
    }

    /// Whether some match of `pattern` satisfies `accept`; stops at the first that does.
    func containsMatch(_ pattern: String, in text: String, where accept: (Range<Int>) -> Bool) -> Bool {
        guard let regex = regex(pattern) else { return false }
        return withoutActuallyEscaping(accept) { accept in
            var found = false
            regex.enumerateMatches(in: text, range: NSRange(location: 0, length: text.utf16.count)) { match, _, stop in
                guard let match else { return }
                if accept(match.range.location..<(match.range.location + match.range.length)) {
                    found = true
                    stop.pointee = true
                }
            }
            return found
        }
    }

    func firstMatch(_ pattern: String, in text: String) -> Range<Int>? {
        guard let regex = regex(pattern),
            let match = regex.firstMatch(in: text, range: NSRange(location: 0, length: text.utf16.count))
        else { return nil }
        return match.range.location..<(match.range.location + match.range.length)
    }
}

/// A text's UTF-8 bytes, for the quick "does it contain this word at all" checks that run for
/// every phrase of every draft (C's `strstr`, without Foundation's bridging or generic searching).
struct ByteText: Sendable {
    /// NUL-terminated, with any NUL inside the text made a space so the search sees all of it.
    let bytes: [CChar]

    init(_ text: String) {
        bytes = text.utf8.map { $0 == 0 ? 0x20 : CChar(bitPattern: $0) } + [0]
    }

    func contains(_ word: String) -> Bool {
        guard !word.isEmpty else { return true }
        return bytes.withUnsafeBufferPointer { haystack in
            word.withCString { strstr(haystack.baseAddress!, $0) != nil }
        }
    }

    /// Whether `prefix` occurs at the start of a word ("refund" in "refunded", not in "prefund");
    /// with `wholeWord`, also ending where the word ends.
    func containsWord(startingWith prefix: String, wholeWord: Bool = false) -> Bool {
        guard !prefix.isEmpty else { return true }
        return bytes.withUnsafeBufferPointer { haystack -> Bool in
            prefix.withCString { needle -> Bool in
                let base = haystack.baseAddress!
                let length = strlen(needle)
                var from = base
                while let found = strstr(from, needle) {
                    let before = found == base ? 0 : UInt8(bitPattern: found[-1])
                    let after = UInt8(bitPattern: found[length])
                    if !Self.isWordByte(before), !wholeWord || !Self.isWordByte(after) { return true }
                    from = UnsafePointer(found + 1)
                }
                return false
            }
        }
    }

    /// Letters, digits, and any byte of a non-ASCII character count as part of a word.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte >= 0x80 || byte == 0x27
    }
}

/// Splits text into words (letters and digits, with apostrophes inside a word: "o'brien",
/// "don't") quickly: ASCII is checked by code unit, other characters by their Unicode properties.
enum WordScanner {
    static func words(in text: String) -> [(range: Range<Int>, word: Substring)] {
        var words: [(range: Range<Int>, word: Substring)] = []
        var start: String.Index?
        var startOffset = 0
        var lastWordEnd: String.Index?
        var lastWordEndOffset = 0
        var offset = 0
        func close(at index: String.Index) {
            guard let from = start, let to = lastWordEnd, from < to else {
                start = nil
                return
            }
            words.append((startOffset..<lastWordEndOffset, text[from..<to]))
            start = nil
            _ = index
        }
        var index = text.startIndex
        let utf16 = text.utf16
        while index < text.endIndex {
            let unit = utf16[index]
            let next = utf16.index(after: index)
            let isWordUnit: Bool
            switch unit {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: isWordUnit = true
            case 0..<0x80: isWordUnit = false
            case 0xD800...0xDFFF: isWordUnit = false  // outside the BMP: emoji and rarer scripts
            default:
                isWordUnit =
                    Unicode.Scalar(unit).map { $0.properties.isAlphabetic || $0.properties.numericType != nil } ?? false
            }
            if isWordUnit {
                if start == nil {
                    start = index
                    startOffset = offset
                }
                lastWordEnd = next
                lastWordEndOffset = offset + 1
            } else if unit == 0x27, start != nil {
                // An apostrophe continues a word only when a letter follows.
            } else if start != nil {
                close(at: index)
            }
            index = next
            offset += 1
        }
        close(at: index)
        return words
    }
}
