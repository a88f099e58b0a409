import Foundation

/// The rules the coach checks a reply against. The raw values are stable ids used in the API,
/// the CLI, stored findings and rule files.
public enum ReplyRule: String, CaseIterable, Sendable, Codable {
    case missingGreeting = "missing-greeting"
    case missingName = "missing-name"
    case missingEmpathy = "missing-empathy"
    case negativePhrasing = "negative-phrasing"
    case blame
    case missingClosing = "missing-closing"
    case missingOwnership = "missing-ownership"
    case shouting
    case unansweredQuestion = "unanswered-question"
}

/// What the coach needs to know about a draft.
public struct ReplyContext: Sendable {
    public var draft: String
    public var customerName: String
    public var agentName: String
    /// The customer's last message, to check every question in it gets an answer.
    public var customerMessage: String?
    public var customerUpset: Bool

    public init(
        draft: String, customerName: String, agentName: String, customerMessage: String? = nil,
        customerUpset: Bool = false
    ) {
        self.draft = draft
        self.customerName = customerName
        self.agentName = agentName
        self.customerMessage = customerMessage
        self.customerUpset = customerUpset
    }
}

/// One piece of advice. `start` and `end` are UTF-16 offsets into the draft (what a browser's
/// text selection uses), present when the finding is about a particular passage. The same advice
/// about several passages (two "I can't", three words in capitals) is one finding: `ranges` holds
/// every passage, the first of them also in `start` and `end`.
public struct CoachFinding: Codable, Sendable, Equatable {
    public let rule: String
    public let message: String
    public let start: Int?
    public let end: Int?
    public let suggestion: String?
    public let ranges: [Range<Int>]

    public init(rule: ReplyRule, message: String, range: Range<Int>? = nil, suggestion: String? = nil) {
        self.init(
            rule: rule.rawValue, message: message, ranges: range.map { [$0] } ?? [],
            suggestion: suggestion.flatMap { $0.isEmpty ? nil : $0 })
    }

    init(rule: String, message: String, ranges: [Range<Int>], suggestion: String?) {
        self.rule = rule
        self.message = message
        start = ranges.first?.lowerBound
        end = ranges.first?.upperBound
        self.suggestion = suggestion
        self.ranges = ranges
    }

    enum CodingKeys: String, CodingKey { case rule, message, start, end, suggestion, ranges }

    private struct Span: Codable {
        let start: Int
        let end: Int
    }

    /// Every key is written, `null` where there is no range or suggestion, so clients can rely
    /// on the shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rule, forKey: .rule)
        try container.encode(message, forKey: .message)
        try container.encode(start, forKey: .start)
        try container.encode(end, forKey: .end)
        try container.encode(suggestion, forKey: .suggestion)
        try container.encode(ranges.map { Span(start: $0.lowerBound, end: $0.upperBound) }, forKey: .ranges)
    }

    /// Findings stored before `ranges` existed have only `start` and `end`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rule = try container.decode(String.self, forKey: .rule)
        message = try container.decode(String.self, forKey: .message)
        start = try container.decodeIfPresent(Int.self, forKey: .start)
        end = try container.decodeIfPresent(Int.self, forKey: .end)
        suggestion = try container.decodeIfPresent(String.self, forKey: .suggestion)
        if let spans = try container.decodeIfPresent([Span].self, forKey: .ranges) {
            ranges = spans.filter { $0.end >= $0.start }.map { $0.start..<$0.end }
        } else if let start, let end, end >= start {
            ranges = [start..<end]
        } else {
            ranges = []
        }
    }

    /// Findings that give the same advice in the same words, joined into one with all their
    /// passages, in order of first appearance.
    static func joined(_ findings: [CoachFinding]) -> [CoachFinding] {
        var order: [String] = []
        var firstByKey: [String: CoachFinding] = [:]
        var rangesByKey: [String: [Range<Int>]] = [:]
        for finding in findings {
            // Shouting is one habit however many words show it; other advice joins only when
            // it would say and suggest exactly the same.
            let key =
                finding.rule == ReplyRule.shouting.rawValue
                ? finding.rule : [finding.rule, finding.message, finding.suggestion ?? ""].joined(separator: "\u{1F}")
            if firstByKey[key] == nil {
                order.append(key)
                firstByKey[key] = finding
            }
            rangesByKey[key, default: []].append(contentsOf: finding.ranges)
        }
        return order.compactMap { key in
            guard let first = firstByKey[key], let ranges = rangesByKey[key] else { return nil }
            guard ranges.count > first.ranges.count else { return first }
            return CoachFinding(
                rule: first.rule, message: first.message, ranges: ranges.sorted { $0.lowerBound < $1.lowerBound },
                suggestion: first.suggestion)
        }
    }
}

public struct ReplyAnalysis: Codable, Sendable, Equatable {
    /// 100 for a reply with nothing to improve, less for each finding.
    public let score: Int
    public let findings: [CoachFinding]

    public var rules: Set<String> { Set(findings.map(\.rule)) }
}

/// Reads a draft reply the way an experienced support lead would and says what would make it
/// better. It only advises: every finding explains itself and most offer a better phrasing.
public struct ReplyCoach: Sendable {
    public let ruleSet: CoachRuleSet

    public init(ruleSet: CoachRuleSet) { self.ruleSet = ruleSet }

    /// The coach with the built-in English rules.
    public static func english() throws -> ReplyCoach { ReplyCoach(ruleSet: try .builtIn(language: "en")) }

    public func analyze(_ context: ReplyContext) -> ReplyAnalysis {
        let text = CoachText(context.draft)
        guard !text.sentences.isEmpty else { return ReplyAnalysis(score: 0, findings: []) }
        let names = PersonName(context.customerName)
        let agent = PersonName(context.agentName)
        let fill = { (template: String?) -> String? in
            template.map { text in
                guard text.utf8.contains(UInt8(ascii: "{")) else { return text }
                return text.replacingOccurrences(of: "{first_name}", with: names.first).replacingOccurrences(
                    of: "{agent_first_name}", with: agent.first)
            }
        }
        var findings: [CoachFinding] = []
        func add(
            _ rule: ReplyRule, _ settings: CoachRuleSet.RuleSettings, range: Range<Int>? = nil, message: String? = nil,
            suggestion: String? = nil
        ) {
            findings.append(
                CoachFinding(
                    rule: rule, message: message ?? settings.message ?? rule.rawValue, range: range,
                    suggestion: fill(suggestion ?? settings.suggestion)))
        }

        if let settings = ruleSet.settings(.missingGreeting), let first = text.sentences.first,
            !matchesAny(settings.patterns, in: first.text)
        {
            add(.missingGreeting, settings)
        }
        let lowered = ByteText(text.plain.lowercased())
        if let settings = ruleSet.settings(.missingName), !names.first.isEmpty,
            !names.isMentioned(in: text.plain, lowered: lowered, titles: settings.words ?? [])
        {
            add(.missingName, settings)
        }
        let sentenceBytes = text.sentences.map { ByteText($0.text.lowercased()) }
        if context.customerUpset, let settings = ruleSet.settings(.missingEmpathy),
            !matchesAny(settings, in: text.plain, lowered: lowered)
        {
            add(.missingEmpathy, settings)
        }
        for rule in [ReplyRule.negativePhrasing, .blame] {
            guard let settings = ruleSet.settings(rule) else { continue }
            for match in phraseMatches(settings, in: text, sentenceBytes: sentenceBytes) {
                add(
                    rule, settings, range: match.range, message: match.phrase.message,
                    suggestion: match.phrase.suggestion)
            }
        }
        let signOffNames = [agent.full, agent.first]
        let body = text.bodySentences(signOffNames: signOffNames)
        if let settings = ruleSet.settings(.missingClosing) {
            let ending = body.suffix(3).map(\.text).joined(separator: " ")
            if !matchesAny(settings.patterns, in: ending) { add(.missingClosing, settings) }
        }
        if let settings = ruleSet.settings(.missingOwnership) {
            let signed = agent.signsOff(text)
            if !signed, !matchesAny(settings, in: text.plain, lowered: lowered) { add(.missingOwnership, settings) }
        }
        if let settings = ruleSet.settings(.shouting) {
            for range in ShoutingDetector(acronyms: Set((settings.words ?? []).map { $0.uppercased() })).shouting(
                in: text.plain)
            {
                add(.shouting, settings, range: range)
            }
        }
        if let settings = ruleSet.settings(.unansweredQuestion), let message = context.customerMessage {
            let stopWords = Set((settings.words ?? []).map { $0.lowercased() })
            let questions = CoachText(message).sentences.filter(\.isQuestion)
            // A question counts as answered when the reply has a word starting with the stem of
            // any of its content words ("refund?" → "refunded").
            let folded = text.plain.utf8.allSatisfy({ $0 < 0x80 }) ? lowered : ByteText(PersonName.fold(text.plain))
            for question in questions {
                let asked = ContentWords(question.text, stopWords: stopWords)
                guard !asked.stems.isEmpty, !asked.stems.contains(where: { folded.containsWord(startingWith: $0) })
                else { continue }
                add(
                    .unansweredQuestion, settings,
                    message: (settings.message ?? "The customer asked a question the reply does not answer:")
                        + " “\(question.text)”")
            }
        }

        findings = CoachFinding.joined(findings)
        let penalty = findings.reduce(0) { total, finding in
            total + (ReplyRule(rawValue: finding.rule).flatMap { ruleSet.rules[$0.rawValue]?.weight } ?? 10)
        }
        return ReplyAnalysis(score: max(0, min(100, 100 - penalty)), findings: findings)
    }

    private func matchesAny(_ patterns: [String]?, in text: String) -> Bool {
        (patterns ?? []).contains { PatternCache.shared.firstMatch($0, in: text) != nil }
    }

    private func matchesAny(_ settings: CoachRuleSet.RuleSettings, in text: String, lowered: ByteText) -> Bool {
        if let triggers = settings.triggers, !triggers.contains(where: { lowered.contains($0) }) { return false }
        return matchesAny(settings.patterns, in: text)
    }

    /// Every phrase match that no exception covers, earliest first, overlapping matches merged.
    /// Each phrase is searched for only in the sentences that contain one of its trigger words
    /// (every phrase is a pattern within one sentence). Linear in the length of the draft: each
    /// exception is searched once per sentence that has a match, and overlaps are looked up in
    /// sorted intervals and a map of what is already taken, so a draft that repeats one phrase
    /// thousands of times costs no more per character than a short one.
    private func phraseMatches(_ settings: CoachRuleSet.RuleSettings, in text: CoachText, sentenceBytes: [ByteText])
        -> [(range: Range<Int>, phrase: CoachRuleSet.Phrase)]
    {
        var exceptionsBySentence: [Int: DisjointRanges] = [:]
        func excepted(_ range: Range<Int>, inSentence index: Int) -> Bool {
            guard let patterns = settings.exceptions, !patterns.isEmpty else { return false }
            if let known = exceptionsBySentence[index] { return known.overlaps(range) }
            let sentence = text.sentences[index]
            let exceptions = DisjointRanges(patterns.flatMap { PatternCache.shared.matches($0, in: sentence) })
            exceptionsBySentence[index] = exceptions
            return exceptions.overlaps(range)
        }
        var taken = [Bool](repeating: false, count: text.plain.utf16.count)
        var found: [(range: Range<Int>, phrase: CoachRuleSet.Phrase)] = []
        for phrase in settings.phrases ?? [] {
            for (index, sentence) in text.sentences.enumerated() {
                if let triggers = phrase.triggers, !triggers.contains(where: { sentenceBytes[index].contains($0) }) {
                    continue
                }
                for range in PatternCache.shared.matches(phrase.pattern, in: sentence) where !range.isEmpty {
                    let clamped = range.clamped(to: 0..<taken.count)
                    if taken[clamped].contains(true) || excepted(range, inSentence: index) { continue }
                    for position in clamped { taken[position] = true }
                    found.append((range, phrase))
                }
            }
        }
        return found.sorted { $0.range.lowerBound < $1.range.lowerBound }
    }
}

/// A person's name as the coach looks for it: first name, full name, and surname for "Ms Lopez".
struct PersonName: Sendable {
    let full: String
    let first: String
    let last: String?

    init(_ name: String) {
        full = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = full.split(whereSeparator: { $0.isWhitespace }).map(String.init)
        first = parts.first ?? ""
        last = parts.count > 1 ? parts.last : nil
    }

    /// Whether the text uses the first name, the full name, or a title with the surname.
    func isMentioned(in text: String, lowered: ByteText, titles: [String]) -> Bool {
        // The common case, a plain ASCII name used as it is, needs no word splitting.
        if first.utf8.allSatisfy({ $0 < 0x80 }), lowered.containsWord(startingWith: first.lowercased(), wholeWord: true)
        {
            return true
        }
        let words = Self.words(Self.fold(text))
        let firstWords = Self.words(Self.fold(first))
        if !firstWords.isEmpty, Self.contains(firstWords, in: words) { return true }
        if let last {
            let surname = Self.words(Self.fold(last))
            let titleSet = Set(titles.map { $0.lowercased() })
            for index in words.indices.dropLast(surname.count) where titleSet.contains(words[index]) {
                if Array(words[(index + 1)...].prefix(surname.count)) == surname { return true }
            }
        }
        return false
    }

    /// Lower-case words, split at anything that is not a letter, digit or apostrophe inside a
    /// word ("o'brien" stays whole; "mary-jane" becomes two words on both sides alike).
    static func words(_ text: String) -> [String] {
        WordScanner.words(in: text).map { String($0.word) }
    }

    private static func contains(_ needle: [String], in haystack: [String]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return true }
        }
        return false
    }

    /// Whether the text ends with this person's name as a sign-off ("Sam", "Best, Sam Patel").
    func signsOff(_ text: CoachText) -> Bool {
        guard !first.isEmpty else { return false }
        let closing = text.sentences.suffix(4).map { Self.fold($0.text) }
        let name = Self.fold(first)
        return closing.contains { line in
            let words = line.split(whereSeparator: { !$0.isLetter && $0 != "'" && $0 != "-" }).map(String.init)
            guard let index = words.firstIndex(of: name) else { return false }
            // The name leads a short line: "Sam", "Sam Patel", "Sam from Support", "Best, Sam".
            return words.count <= 6
                && (index == 0 || CoachText.valedictions.contains(words[..<index].joined(separator: " ")))
        }
    }

    /// Lower case without accents, and letters that have no accent to drop spelt the way people
    /// type them on an English keyboard ("Søren" → "soren", "Łukasz" → "lukasz").
    static func fold(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        var folded = text.folding(
            options: [.caseInsensitive, .diacriticInsensitive], locale: Locale(identifier: "en_US_POSIX"))
        guard folded.unicodeScalars.contains(where: { !$0.isASCII }) else { return folded }
        for (letter, plain) in [
            ("ø", "o"), ("æ", "ae"), ("œ", "oe"), ("ß", "ss"), ("đ", "d"), ("ł", "l"), ("þ", "th"), ("ð", "d"),
            ("ı", "i"),
        ] {
            folded = folded.replacingOccurrences(of: letter, with: plain)
        }
        return folded
    }

}

/// Long runs of capitals and repeated exclamation marks.
struct ShoutingDetector: Sendable {
    let acronyms: Set<String>
    static let runLength = 3
    static let longWord = 6

    func shouting(in text: String) -> [Range<Int>] {
        var ranges = Self.repeatedExclamations(in: text)
        let words = Self.letterWords(in: text)
        func isCapitals(_ word: String) -> Bool {
            // Plain ASCII words are checked byte by byte; only others need case mapping.
            var isASCII = true
            var allUpper = true
            var count = 0
            for byte in word.utf8 {
                count += 1
                if byte >= 0x80 {
                    isASCII = false
                    break
                }
                if byte >= 0x61 && byte <= 0x7A {
                    allUpper = false
                    break
                }
            }
            if isASCII { return allUpper && count >= 2 }
            return word.count >= 2 && word == word.uppercased() && word != word.lowercased()
        }
        var run: [(range: Range<Int>, word: String)] = []
        func closeRun() {
            if run.count >= Self.runLength, let first = run.first, let last = run.last {
                ranges.append(first.range.lowerBound..<last.range.upperBound)
            } else {
                for entry in run where entry.word.count >= Self.longWord && !acronyms.contains(entry.word) {
                    ranges.append(entry.range)
                }
            }
            run = []
        }
        for entry in words {
            // A run continues across spaces, commas and apostrophes on one line only.
            if !run.isEmpty, !entry.joinsPrevious { closeRun() }
            if isCapitals(entry.word) { run.append((entry.range, entry.word)) } else { closeRun() }
        }
        closeRun()
        return ranges.sorted { $0.lowerBound < $1.lowerBound }
    }

    static func repeatedExclamations(in text: String) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var runStart: Int?
        var offset = 0
        for unit in text.utf16 {
            if unit == 0x21 {
                runStart = runStart ?? offset
            } else {
                if let start = runStart, offset - start >= 2 { ranges.append(start..<offset) }
                runStart = nil
            }
            offset += 1
        }
        if let start = runStart, offset - start >= 2 { ranges.append(start..<offset) }
        return ranges
    }

    /// Words made of letters only (not part of codes like "ORD-12345" or "A4"), with their UTF-16
    /// positions, and whether only spaces, commas or apostrophes separate each from the one before.
    /// A word with a lower-case ASCII letter comes back empty: it cannot be shouting.
    static func letterWords(in text: String) -> [(range: Range<Int>, word: String, joinsPrevious: Bool)] {
        var words: [(range: Range<Int>, word: String, joinsPrevious: Bool)] = []
        var offset = 0
        var current = ""
        var inWord = false
        var hasLowercase = false
        var start = 0
        var tainted = false  // touches a digit or hyphen
        var gapIsLight = true
        for scalar in text.unicodeScalars {
            let width = scalar.utf16.count
            let value = scalar.value
            let isLetter =
                value < 0x80
                ? (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) : scalar.properties.isAlphabetic
            if isLetter {
                if !inWord {
                    start = offset
                    inWord = true
                }
                // Only words that may be all capitals are spelt out; "hello" stops at "h".
                if value >= 0x61 && value <= 0x7A { hasLowercase = true }
                if !hasLowercase { current.unicodeScalars.append(scalar) }
            } else {
                let isCodeCharacter =
                    value < 0x80
                    ? (value >= 0x30 && value <= 0x39) || value == 0x2D || value == 0x5F || value == 0x2F
                    : scalar.properties.numericType != nil
                if inWord {
                    if !tainted && !isCodeCharacter {
                        words.append((start..<offset, hasLowercase ? "" : current, gapIsLight))
                    }
                    current = ""
                    inWord = false
                    hasLowercase = false
                    gapIsLight = true
                    tainted = false
                }
                if isCodeCharacter {
                    tainted = true
                } else if !(scalar == " " || scalar == "," || scalar == "'") {
                    gapIsLight = false
                }
                if scalar == "\n" { gapIsLight = false }
            }
            if !isLetter, !inWord, tainted, value == 0x20 { tainted = false }
            offset += width
        }
        if inWord, !tainted { words.append((start..<offset, hasLowercase ? "" : current, gapIsLight)) }
        return words
    }
}

/// The words of a text that carry its meaning, reduced to rough stems ("refunds" → "refund").
struct ContentWords: Sendable {
    let stems: Set<String>

    init(_ text: String, stopWords: Set<String>) {
        let words = WordScanner.words(in: PersonName.fold(text)).map { String($0.word) }
        stems = Set(words.filter { $0.utf8.count >= 3 && !stopWords.contains($0) }.map(Self.stem))
    }

    /// Strips a common ending, then a final "e", so "update", "updated" and "updating" meet.
    static func stem(_ word: String) -> String {
        var word = word
        for suffix in ["ing", "ed", "es", "s", "ly"] where word.count > suffix.count + 3 && word.hasSuffix(suffix) {
            word.removeLast(suffix.count)
            break
        }
        if word.count > 4, word.hasSuffix("e") { word.removeLast() }
        return word
    }
}
