import Fluent
import RapportCore
import Vapor

struct SearchHitDTO: Content {
    let ticket: TicketSummaryDTO
    /// Where the ticket matched, as HTML-escaped text with the matching words in `<mark>`.
    let snippet: String
}

struct SearchResultsDTO: Content {
    let query: String
    let terms: [String]
    let results: [SearchHitDTO]
}

/// `GET /api/v1/search?q=…` — tickets by subject, conversation and requester.
struct SearchRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("search", use: search)
    }

    func search(req: Request) async throws -> SearchResultsDTO {
        var problems = FieldErrors()
        let text = req.queryString("q") ?? ""
        if text.isEmpty { problems.add("q", "is required: the words to look for") }
        if text.count > 500 { problems.add("q", "must be at most 500 characters") }
        var filters = TicketSearchFilters()
        filters.statuses = parseChoices(req.queryString("status"), TicketStatus.self, field: "status", into: &problems)
        switch req.queryString("assignee") {
        case nil: break
        case "me": filters.assigneeID = try req.agent.id
        case let raw?:
            if let id = Int(raw), id > 0 {
                filters.assigneeID = id
            } else {
                problems.add("assignee", "must be an agent id or 'me'")
            }
        }
        filters.teamID = req.queryInt("team", into: &problems)
        filters.access = try await req.ticketAccess()
        let limit = min(req.pageLimit(into: &problems), 100)
        try problems.throwIfAny()

        let query = SearchQuery(text)
        let hits = try await TicketSearch.search(
            query, filters: filters, limit: limit, now: req.rapport.clock.now(), on: req.db)
        let tickets = try await TicketQueries.summaries(ids: hits.map(\.ticketID), on: req.db)
        let byNumber = Dictionary(uniqueKeysWithValues: tickets.map { ($0.number, $0) })
        return SearchResultsDTO(
            query: text, terms: query.terms,
            results: hits.compactMap { hit in
                byNumber[hit.ticketID].map { SearchHitDTO(ticket: $0, snippet: hit.snippetHTML) }
            })
    }
}
