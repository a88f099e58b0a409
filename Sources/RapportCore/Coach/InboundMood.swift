import Foundation

/// How an inbound customer message reads: its tone, whether the customer is upset, thinking of
/// leaving, or in a hurry, and what they asked.
public struct InboundMood: Codable, Sendable, Equatable {
    /// From -1 (very negative) to 1 (very positive).
    public let sentiment: Double
    public let upset: Bool
    public let churnRisk: Bool
    public let urgent: Bool
    public let questions: [String]

    public init(sentiment: Double, upset: Bool, churnRisk: Bool, urgent: Bool, questions: [String]) {
        self.sentiment = sentiment
        self.upset = upset
        self.churnRisk = churnRisk
        self.urgent = urgent
        self.questions = questions
    }

    enum CodingKeys: String, CodingKey {
        case sentiment, upset
        case churnRisk = "churn_risk"
        case urgent, questions
    }

    /// "negative", "neutral" or "positive".
    public var tone: String { sentiment <= -0.25 ? "negative" : sentiment >= 0.25 ? "positive" : "neutral" }
}

/// Scores inbound messages with word lists and light grammar: negation flips the words after it
/// ("not happy"), intensifiers strengthen them, and capitals and "!!!" add heat.
public struct MoodReader: Sendable {
    public let ruleSet: CoachRuleSet

    public init(ruleSet: CoachRuleSet) { self.ruleSet = ruleSet }

    public static func english() throws -> MoodReader { MoodReader(ruleSet: try .builtIn(language: "en")) }

    /// A message this negative reads as upset even without an explicit complaint.
    static let upsetSentiment = -0.55

    /// How much of a message is read: a customer's mood shows long before this, and what follows
    /// in longer messages is pasted logs or history, whose reading would only cost time.
    public static let readLength = 50_000

    public func read(_ message: String) -> InboundMood {
        let message = message.utf16.count > Self.readLength ? String(message.prefix(Self.readLength)) : message
        let text = CoachText(Self.withoutQuotedHistory(message))
        var (wordScore, sentiment) = sentimentScores(text.plain)
        // "Great, another update that breaks everything. Thanks a lot." praises in words and
        // complains in meaning: its praise counts against it.
        if isSarcastic(text.plain) {
            (wordScore, sentiment) = sentimentScores(text.plain, praiseIsSarcastic: true)
            sentiment = min(sentiment, -0.3)
        }
        let upsetCues = found("upset", in: text.plain)
        let heat = ShoutingDetector(acronyms: Set(words("shouting-acronyms").map { $0.uppercased() })).shouting(
            in: text.plain
        ).count
        // Phrases about serious trouble make a message negative, not its writer upset: only the
        // feeling words count towards "upset".
        let upset = upsetCues || wordScore <= Self.upsetSentiment || (heat > 0 && wordScore < -0.2)
        // An upset customer's message is negative however politely it is worded.
        let tone = upset ? min(sentiment, -0.4) : sentiment
        return InboundMood(
            sentiment: (tone * 100).rounded() / 100,
            upset: upset,
            churnRisk: found("churn-risk", in: text.plain),
            urgent: found("urgent", in: text.plain),
            questions: text.sentences.filter(\.isQuestion).map(\.text)
        )
    }

    /// Quoted replies ("> …", "On Monday … wrote:") are the history, not what the customer says now.
    static func withoutQuotedHistory(_ message: String) -> String {
        var kept: [Substring] = []
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(">") { continue }
            if trimmed.hasPrefix("On "), trimmed.hasSuffix("wrote:") { break }
            if trimmed.hasPrefix("-----Original Message") || trimmed.hasPrefix("From: ") && !kept.isEmpty { break }
            kept.append(line)
        }
        return kept.joined(separator: "\n")
    }

    /// Whether any of the rule's patterns matches outside its exceptions. Stops at the first such
    /// match, and looks exceptions up in merged ranges, so a message repeating a cue thousands of
    /// times costs one pass per pattern.
    private func found(_ name: String, in text: String) -> Bool {
        guard let settings = ruleSet.rules[name], settings.enabled ?? true else { return false }
        var exceptions: DisjointRanges?
        return (settings.patterns ?? []).contains { pattern in
            PatternCache.shared.containsMatch(pattern, in: text) { match in
                let known =
                    exceptions
                    ?? DisjointRanges((settings.exceptions ?? []).flatMap { PatternCache.shared.matches($0, in: text) })
                exceptions = known
                return !known.overlaps(match)
            }
        }
    }

    private func words(_ name: String) -> [String] { ruleSet.rules[name]?.words ?? [] }

    /// Sarcasm: a marker that is always sarcastic ("thanks for nothing", "oh great"), or praise
    /// that is sarcastic in a message that otherwise complains ("… Thanks a lot.").
    func isSarcastic(_ text: String) -> Bool {
        if found("sarcasm", in: text) { return true }
        guard found("sarcasm-soft", in: text) else { return false }
        let withoutPraise = sentimentScores(text, praiseIsSarcastic: true, ignorePraise: true)
        return withoutPraise.overall < -0.05
    }

    /// The feeling words' score and the overall score (words and phrases), each squashed into -1…1.
    /// With `praiseIsSarcastic`, positive words count as negative; with `ignorePraise` as nothing.
    func sentimentScores(_ text: String, praiseIsSarcastic: Bool = false, ignorePraise: Bool = false) -> (
        words: Double, overall: Double
    ) {
        let lexicon = Lexicon(ruleSet)
        let tokens = PersonName.fold(text).split(whereSeparator: { !$0.isLetter && $0 != "'" && $0 != "!" }).map(
            String.init)
        var total = 0.0
        var negateFor = 0
        var boost = 1.0
        for raw in tokens {
            let exclamations = raw.filter { $0 == "!" }.count
            let token = raw.replacingOccurrences(of: "!", with: "")
            guard !token.isEmpty else {
                if exclamations > 0, total < 0 { total -= 0.3 * Double(min(exclamations, 3)) }
                continue
            }
            if lexicon.negators.contains(token) || token.hasSuffix("n't") {
                negateFor = 3
                continue
            }
            if let factor = lexicon.intensifiers[token] {
                boost = factor
                continue
            }
            if var value = lexicon.valence[token] ?? lexicon.valence[ContentWords.stem(token)] {
                if value > 0, praiseIsSarcastic { value = ignorePraise ? 0 : -value * 0.6 }
                value *= boost
                if negateFor > 0 { value *= -0.6 }
                if exclamations > 0 { value *= 1.2 }
                total += value
            }
            boost = 1.0
            negateFor = max(0, negateFor - 1)
        }
        func squash(_ value: Double) -> Double { value / (value * value + 12).squareRoot() }
        let praise = praiseIsSarcastic ? 0 : 2 * Double(matchCount("mood-positive-phrases", in: text))
        let phrases = praise - 2 * Double(matchCount("mood-negative-phrases", in: text))
        return (squash(total), squash(total + phrases))
    }

    private func matchCount(_ name: String, in text: String) -> Int {
        (ruleSet.rules[name]?.patterns ?? []).reduce(0) { $0 + PatternCache.shared.matches($1, in: text).count }
    }

    private struct Lexicon {
        let valence: [String: Double]
        let negators: Set<String>
        let intensifiers: [String: Double]

        init(_ ruleSet: CoachRuleSet) {
            var valence: [String: Double] = [:]
            let lists = [
                ("mood-mildly-positive", 0.5), ("mood-positive", 1.0), ("mood-very-positive", 2.0),
                ("mood-mildly-negative", -0.5), ("mood-negative", -1.0), ("mood-very-negative", -2.0),
            ]
            for (name, value) in lists {
                for word in ruleSet.rules[name]?.words ?? [] { valence[word] = value }
            }
            self.valence = valence
            negators = Set(ruleSet.rules["mood-negators"]?.words ?? [])
            intensifiers = Dictionary(
                uniqueKeysWithValues: (ruleSet.rules["mood-intensifiers"]?.words ?? []).map { ($0, 1.5) })
        }
    }
}
