import Foundation

/// The words and patterns the coach works with, for one language. The built-in sets are JSON
/// files in `Rules/`; a workspace can lay its own file over one to switch rules off, add
/// phrases or change the advice (`merged(with:)`).
public struct CoachRuleSet: Codable, Sendable, Equatable {
    public var language: String
    public var rules: [String: RuleSettings]

    /// One rule's settings. Every field is optional so an override names only what it changes.
    public struct RuleSettings: Codable, Sendable, Equatable {
        public var enabled: Bool?
        /// The one-line explanation shown with a finding.
        public var message: String?
        /// A better phrasing, where the rule has one general suggestion.
        public var suggestion: String?
        /// Regular expressions (case-insensitive) the rule looks for.
        public var patterns: [String]?
        /// Phrases with their own suggestion and explanation.
        public var phrases: [Phrase]?
        /// Regular expressions that, matching the same sentence, cancel a phrase match.
        public var exceptions: [String]?
        /// Plain word lists (stop words, acronyms, titles).
        public var words: [String]?
        /// Words (lower case) of which the text must contain one before `patterns` are tried;
        /// without any of them the patterns count as not matching. Leave it out to always try.
        public var triggers: [String]?
        /// How much a finding of this rule takes off the score.
        public var weight: Int?

        public init(
            enabled: Bool? = nil, message: String? = nil, suggestion: String? = nil, patterns: [String]? = nil,
            phrases: [Phrase]? = nil,
            exceptions: [String]? = nil, words: [String]? = nil, triggers: [String]? = nil, weight: Int? = nil
        ) {
            self.enabled = enabled
            self.message = message
            self.suggestion = suggestion
            self.patterns = patterns
            self.phrases = phrases
            self.exceptions = exceptions
            self.words = words
            self.triggers = triggers
            self.weight = weight
        }
    }

    public struct Phrase: Codable, Sendable, Equatable {
        public var pattern: String
        public var suggestion: String?
        public var message: String?
        /// Words (lower case) of which the text must contain at least one for the pattern to be
        /// tried at all: a quick substring check that spares most regular-expression searches.
        /// Leave it out and the pattern is always tried.
        public var triggers: [String]?

        public init(pattern: String, suggestion: String? = nil, message: String? = nil, triggers: [String]? = nil) {
            self.pattern = pattern
            self.suggestion = suggestion
            self.message = message
            self.triggers = triggers
        }
    }

    public init(language: String, rules: [String: RuleSettings]) {
        self.language = language
        self.rules = rules
    }

    /// The built-in rule set for a language ("en"), from the package's resources.
    public static func builtIn(language: String = "en") throws -> CoachRuleSet {
        guard let url = Bundle.module.url(forResource: language, withExtension: "json", subdirectory: "Rules") else {
            throw CoachRuleSetError("There is no built-in coach rule set for the language '\(language)'.")
        }
        return try load(from: url)
    }

    public static func load(from url: URL) throws -> CoachRuleSet {
        do {
            return try JSONDecoder().decode(CoachRuleSet.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw CoachRuleSetError("The coach rules in \(url.path) are not valid: \(error)")
        }
    }

    /// This set with `override` laid over it: its `enabled`, `message`, `suggestion` and
    /// `weight` win; its patterns, phrases, exceptions and words are added.
    public func merged(with override: CoachRuleSet) -> CoachRuleSet {
        var result = self
        for (rule, extra) in override.rules {
            var settings = result.rules[rule] ?? RuleSettings()
            if let enabled = extra.enabled { settings.enabled = enabled }
            if let message = extra.message { settings.message = message }
            if let suggestion = extra.suggestion { settings.suggestion = suggestion }
            if let weight = extra.weight { settings.weight = weight }
            if let patterns = extra.patterns { settings.patterns = (settings.patterns ?? []) + patterns }
            if let phrases = extra.phrases { settings.phrases = (settings.phrases ?? []) + phrases }
            if let exceptions = extra.exceptions { settings.exceptions = (settings.exceptions ?? []) + exceptions }
            if let words = extra.words { settings.words = (settings.words ?? []) + words }
            // Added patterns may match without the built-in triggers, so the filter is dropped.
            if extra.patterns != nil { settings.triggers = extra.triggers.map { (settings.triggers ?? []) + $0 } }
            result.rules[rule] = settings
        }
        return result
    }

    /// Patterns that do not compile, by rule, so a workspace's file is checked when it is loaded.
    public var invalidPatterns: [String: [String]] {
        var invalid: [String: [String]] = [:]
        for (rule, settings) in rules {
            let all = (settings.patterns ?? []) + (settings.phrases ?? []).map(\.pattern) + (settings.exceptions ?? [])
            let bad = all.filter { PatternCache.shared.regex($0) == nil }
            if !bad.isEmpty { invalid[rule] = bad }
        }
        return invalid
    }

    func settings(_ rule: ReplyRule) -> RuleSettings? {
        guard let settings = rules[rule.rawValue], settings.enabled ?? true else { return nil }
        return settings
    }
}

public struct CoachRuleSetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
