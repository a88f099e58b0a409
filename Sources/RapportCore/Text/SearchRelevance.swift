import Foundation

/// How much a search match counts once the ticket's state is known: among matches of similar
/// relevance, what is still open and recent comes before what was closed long ago, while a much
/// better match wins whatever its age.
public enum SearchRelevance {
    /// `relevance` is the engine's score, larger for better (bm25 negated, or ts_rank).
    public static func adjusted(_ relevance: Double, status: TicketStatus, updatedAt: Date, now: Date) -> Double {
        relevance * statusFactor(status) * ageFactor(now.timeIntervalSince(updatedAt))
    }

    static func statusFactor(_ status: TicketStatus) -> Double {
        switch status {
        case .new, .open, .pending: 1.0
        case .solved: 0.8
        case .closed: 0.65
        }
    }

    /// 1 for the last month, falling evenly to 0.75 at a year and staying there.
    static func ageFactor(_ age: TimeInterval) -> Double {
        let days = max(0, age / 86_400)
        guard days > 30 else { return 1 }
        return max(0.75, 1 - 0.25 * (days - 30) / 335)
    }

    /// A search box entry that names a ticket: "1001" or "#1001".
    public static func ticketNumber(in query: String) -> Int? {
        var text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("#") { text.removeFirst() }
        guard !text.isEmpty, text.count <= 12, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text),
            number > 0
        else { return nil }
        return number
    }
}
