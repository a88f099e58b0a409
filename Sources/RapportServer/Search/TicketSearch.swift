import FluentKit
import Foundation
import RapportCore
import SQLKit

/// Filters that narrow a search to part of the desk.
struct TicketSearchFilters: Sendable {
    var statuses: [TicketStatus] = []
    var assigneeID: Int?
    var teamID: Int?
    /// Only the tickets this agent may see.
    var access: TicketAccess?

    /// Whether the search must read the tickets table to apply these.
    var needsTicketColumns: Bool {
        !statuses.isEmpty || assigneeID != nil || teamID != nil || access?.isRestricted == true
    }
}

/// One search result: the ticket and a snippet of where it matched, as safe HTML with the
/// matching words in `<mark>`.
struct TicketSearchHit: Sendable {
    let ticketID: Int
    let snippetHTML: String
    let rank: Double
}

/// Full-text search over tickets, on whichever engine the database has: FTS5 ranked by bm25 on
/// SQLite, `tsvector` ranked by `ts_rank` on PostgreSQL. The same query gives the same kind of
/// answer on both.
enum TicketSearch {
    /// Bodies beyond this many characters are not indexed (PostgreSQL caps a tsvector at 1 MB).
    static let maximumIndexedBodyLength = 400_000

    /// Rebuilds the index entries of the given tickets from their current subject, requester and
    /// messages. Call it in the same transaction as the change.
    static func reindex(ticketIDs: [Int], on database: any Database) async throws {
        guard !ticketIDs.isEmpty else { return }
        for chunk in stride(from: 0, to: ticketIDs.count, by: 500).map({
            Array(ticketIDs[$0..<min($0 + 500, ticketIDs.count)])
        }) {
            try await reindex(
                where: SQLBinaryExpression(SQLColumn("id", table: "t"), .in, SQLBind.group(chunk)), on: database)
        }
    }

    /// Rebuilds the entries of every ticket of a customer, after their name or addresses change.
    static func reindex(requesterID: Int, on database: any Database) async throws {
        try await reindex(
            where: SQLBinaryExpression(SQLColumn("requester_id", table: "t"), .equal, SQLBind(requesterID)),
            on: database)
    }

    /// Rebuilds the whole index, e.g. after a bulk import.
    static func rebuildAll(on database: any Database) async throws {
        try await reindex(where: SQLLiteral.boolean(true), on: database)
    }

    private static func reindex(where condition: any SQLExpression, on database: any Database) async throws {
        let sql = database.sql
        switch database.flavor {
        case .sqlite:
            try await sql.raw(
                "DELETE FROM ticket_search WHERE rowid IN (SELECT t.id FROM tickets t WHERE \(condition))"
            ).run()
            try await sql.raw(
                """
                INSERT INTO ticket_search (rowid, subject, people, body)
                SELECT t.id, t.subject,
                    c.name || ' ' || COALESCE((SELECT group_concat(e.address, ' ') FROM customer_emails e WHERE e.customer_id = c.id), ''),
                    substr(COALESCE((SELECT group_concat(ordered.body, char(10)) FROM (SELECT m.body FROM messages m WHERE m.ticket_id = t.id ORDER BY m.id) ordered), ''), 1, \(unsafeRaw: String(maximumIndexedBodyLength)))
                FROM tickets t JOIN customers c ON c.id = t.requester_id
                WHERE \(condition)
                """
            ).run()
        case .postgres:
            try await sql.raw(
                """
                INSERT INTO ticket_search (ticket_id, subject, people, body, document)
                SELECT d.id, d.subject, d.people, d.body,
                    setweight(to_tsvector('english', d.subject), 'A')
                    || setweight(to_tsvector('english', d.people), 'B')
                    || setweight(to_tsvector('english', d.body), 'C')
                FROM (
                    SELECT t.id, t.subject,
                        c.name || ' ' || COALESCE(e.addresses, '') || ' ' || translate(COALESCE(e.addresses, ''), '@.', '  ') AS people,
                        left(COALESCE((SELECT string_agg(m.body, E'\\n' ORDER BY m.id) FROM messages m WHERE m.ticket_id = t.id), ''), \(unsafeRaw: String(maximumIndexedBodyLength))) AS body
                    FROM tickets t
                    JOIN customers c ON c.id = t.requester_id
                    LEFT JOIN LATERAL (SELECT string_agg(address, ' ') AS addresses FROM customer_emails WHERE customer_id = c.id) e ON TRUE
                    WHERE \(condition)
                ) d
                ON CONFLICT (ticket_id) DO UPDATE SET subject = EXCLUDED.subject, people = EXCLUDED.people,
                    body = EXCLUDED.body, document = EXCLUDED.document
                """
            ).run()
        }
    }

    /// How many of the best matches are weighed by status and age before the page is cut.
    static func candidateCount(for limit: Int) -> Int { min(max(limit * 3, 60), 300) }

    /// The best tickets for `query`, most relevant first: the engine ranks every match, the best
    /// candidates are weighed by status and age (`SearchRelevance`), and snippets are made for
    /// the tickets returned only.
    static func search(
        _ query: SearchQuery, filters: TicketSearchFilters, limit: Int, now: Date = Date(), on database: any Database
    ) async throws -> [TicketSearchHit] {
        guard !query.isEmpty else { return [] }
        struct Candidate: Decodable {
            let id: Int
            let rank: Double
            let status: TicketStatus
            let updatedAt: Date
        }
        struct Snippet: Decodable {
            let id: Int
            let snippet: String?
        }
        let sql = database.sql
        let filterSQL = filterClause(filters)
        let candidates: [Candidate]
        let snippets: [Snippet]
        switch database.flavor {
        case .sqlite:
            // Ranked first, weighed and snippeted after: SQLite computes every selected column
            // of every match before sorting, and a common word matches thousands of tickets.
            // The tickets table is read for the candidates only, unless a filter needs it.
            let ticketJoin: SQLQueryString =
                filters.needsTicketColumns ? "JOIN tickets t ON t.id = ticket_search.rowid" : ""
            candidates = try await sql.raw(
                """
                SELECT best.id AS id, -best.rank AS rank, tk.status AS status, tk.updated_at AS "updatedAt"
                FROM (
                    SELECT ticket_search.rowid AS id, bm25(ticket_search, 10.0, 5.0, 1.0) AS rank
                    FROM ticket_search \(ticketJoin)
                    WHERE ticket_search MATCH \(bind: query.fts5Expression) \(filterSQL)
                    ORDER BY rank, ticket_search.rowid DESC
                    LIMIT \(bind: candidateCount(for: limit))
                ) best
                JOIN tickets tk ON tk.id = best.id
                """
            ).all(decoding: Candidate.self)
            let chosen = Self.weighed(
                candidates.map { ($0.id, $0.rank, $0.status, $0.updatedAt) }, limit: limit, now: now)
            snippets =
                chosen.isEmpty
                ? []
                : try await sql.raw(
                    """
                    SELECT ticket_search.rowid AS id,
                        snippet(ticket_search, -1, \(bind: SnippetMarkup.startMarker), \(bind: SnippetMarkup.endMarker), '…', 16) AS snippet
                    FROM ticket_search
                    WHERE ticket_search MATCH \(bind: query.fts5Expression) AND ticket_search.rowid IN \(SQLBind.group(chosen.map(\.id)))
                    """
                ).all(decoding: Snippet.self)
            return Self.hits(chosen, snippets: snippets.map { ($0.id, $0.snippet) })
        case .postgres:
            candidates = try await sql.raw(
                """
                SELECT t.id AS id, ts_rank(s.document, q.query)::float8 AS rank, t.status AS status, t.updated_at AS "updatedAt"
                FROM ticket_search s
                CROSS JOIN (SELECT to_tsquery('english', \(bind: query.tsqueryExpression)) AS query) q
                JOIN tickets t ON t.id = s.ticket_id
                WHERE s.document @@ q.query \(filterSQL)
                ORDER BY rank DESC, t.id DESC
                LIMIT \(bind: candidateCount(for: limit))
                """
            ).all(decoding: Candidate.self)
            let chosen = Self.weighed(
                candidates.map { ($0.id, $0.rank, $0.status, $0.updatedAt) }, limit: limit, now: now)
            let options =
                "StartSel=\(SnippetMarkup.startMarker), StopSel=\(SnippetMarkup.endMarker), MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \""
            snippets =
                chosen.isEmpty
                ? []
                : try await sql.raw(
                    """
                    SELECT s.ticket_id AS id,
                        ts_headline('english', s.subject || E'\\n' || s.body, to_tsquery('english', \(bind: query.tsqueryExpression)), \(bind: options)) AS snippet
                    FROM ticket_search s WHERE s.ticket_id IN \(SQLBind.group(chosen.map(\.id)))
                    """
                ).all(decoding: Snippet.self)
            return Self.hits(chosen, snippets: snippets.map { ($0.id, $0.snippet) })
        }
    }

    private static func weighed(
        _ candidates: [(id: Int, rank: Double, status: TicketStatus, updatedAt: Date)], limit: Int, now: Date
    ) -> [(id: Int, score: Double)] {
        candidates.map {
            ($0.id, SearchRelevance.adjusted($0.rank, status: $0.status, updatedAt: $0.updatedAt, now: now))
        }
        .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 > $1.0 }
        .prefix(limit).map { (id: $0.0, score: $0.1) }
    }

    private static func hits(_ chosen: [(id: Int, score: Double)], snippets: [(Int, String?)]) -> [TicketSearchHit] {
        let byID = Dictionary(snippets.map { ($0.0, $0.1 ?? "") }, uniquingKeysWith: { first, _ in first })
        return chosen.map {
            TicketSearchHit(
                ticketID: $0.id, snippetHTML: SnippetMarkup.html(fromMarked: byID[$0.id] ?? ""), rank: $0.score)
        }
    }

    private static func filterClause(_ filters: TicketSearchFilters) -> SQLQueryString {
        var clause: SQLQueryString = ""
        if !filters.statuses.isEmpty {
            clause = clause + " AND t.status IN \(SQLBind.group(filters.statuses.map(\.rawValue)))"
        }
        if let assignee = filters.assigneeID {
            clause = clause + " AND t.assignee_id = \(bind: assignee)"
        }
        if let team = filters.teamID {
            clause = clause + " AND t.team_id = \(bind: team)"
        }
        if let access = filters.access, let condition = TicketQueries.accessCondition(access) {
            clause = clause + " AND " + condition
        }
        return clause
    }
}
