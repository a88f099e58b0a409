import Foundation

/// A person's search text, reduced to terms that both search engines can use safely.
///
/// Punctuation and operators are never passed through to the engine: every term is a run of
/// letters and digits, so no input can form an invalid FTS5 or tsquery expression.
public struct SearchQuery: Sendable, Equatable {
    /// Terms in the order typed, lowercased, duplicates removed.
    public let terms: [String]
    /// Whether the last term should match as a prefix (the person may still be typing it).
    public let lastTermIsPrefix: Bool

    public static let maximumTerms = 12
    public static let minimumPrefixLength = 2

    public init(_ text: String) {
        var terms: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty, !terms.contains(current), terms.count < Self.maximumTerms { terms.append(current) }
            current = ""
        }
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                current.unicodeScalars.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        self.terms = terms
        let endsInsideWord = text.last.map { $0.isLetter || $0.isNumber } ?? false
        self.lastTermIsPrefix = endsInsideWord && (terms.last?.count ?? 0) >= Self.minimumPrefixLength
    }

    public var isEmpty: Bool { terms.isEmpty }

    /// An FTS5 MATCH expression: every term must occur; terms are quoted so they are never read
    /// as operators or column names.
    public var fts5Expression: String {
        terms.enumerated().map { index, term in
            let quoted = "\"\(term)\""
            return index == terms.count - 1 && lastTermIsPrefix ? quoted + " *" : quoted
        }.joined(separator: " ")
    }

    /// A `to_tsquery` expression: every term must occur, the last one as a prefix where typed so.
    public var tsqueryExpression: String {
        terms.enumerated().map { index, term in
            index == terms.count - 1 && lastTermIsPrefix ? "\(term):*" : term
        }.joined(separator: " & ")
    }

    /// For suggestions from free text (a subject, a message): any meaningful term may match, and
    /// ranking puts the documents with the most and rarest terms first.
    public var anyTerm: SearchQuery {
        let meaningful = terms.filter { !Self.commonWords.contains($0) && $0.count > 1 }
        return SearchQuery(
            terms: meaningful, lastTermIsPrefix: lastTermIsPrefix && meaningful.last == terms.last, joiner: .any)
    }

    enum Joiner: Sendable { case all, any }
    private var joiner: Joiner = .all

    private init(terms: [String], lastTermIsPrefix: Bool, joiner: Joiner) {
        self.terms = terms
        self.lastTermIsPrefix = lastTermIsPrefix
        self.joiner = joiner
    }

    /// `fts5Expression` or, for an any-term query, the terms joined with OR.
    public var fts5MatchExpression: String {
        joiner == .all ? fts5Expression : fts5Expression.replacingOccurrences(of: "\" \"", with: "\" OR \"")
    }

    /// `tsqueryExpression` or, for an any-term query, the terms joined with |.
    public var tsqueryMatchExpression: String {
        joiner == .all ? tsqueryExpression : tsqueryExpression.replacingOccurrences(of: " & ", with: " | ")
    }

    /// Words too common to say what a text is about.
    static let commonWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "cannot", "could", "do", "does", "for", "from",
        "get", "have", "hello", "hi",
        "how", "i", "if", "in", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "please", "so",
        "that", "the", "there", "this",
        "to", "up", "was", "we", "what", "when", "where", "why", "will", "with", "you", "your", "thanks", "thank",
        "help", "would", "should", "im", "dont", "cant",
        "work", "works", "working", "need", "want", "use", "using", "know", "like", "just", "also", "got", "make",
        "did", "any", "some", "has", "am", "been",
        "still", "all", "new", "one", "anyone", "question", "issue", "problem",
    ]
}

/// Turns an engine's snippet, whose matches are wrapped in private-use marker characters, into
/// safe HTML with `<mark>` around the matches.
public enum SnippetMarkup {
    public static let startMarker = "\u{E000}"
    public static let endMarker = "\u{E001}"

    /// The snippet as HTML. The indexed text joins messages with line breaks, which HTML would
    /// swallow, so they become a visible separator.
    public static func html(fromMarked text: String) -> String {
        HTMLEscaping.escape(text)
            .replacingOccurrences(of: startMarker, with: "<mark>")
            .replacingOccurrences(of: endMarker, with: "</mark>")
            .replacingOccurrences(of: "\r\n", with: "\n")
            .split(separator: "\n", omittingEmptySubsequences: true).joined(separator: " · ")
    }
}
