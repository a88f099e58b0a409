import Fluent
import RapportCore
import Vapor

struct SearchResultRow: Encodable, Sendable {
    let number: Int
    let subject: String
    let url: String
    let requesterName: String
    let status: String
    let statusLabel: String
    let assigneeName: String?
    let updated: String
    /// Escaped text with the matching words in `<mark>`, made by `SnippetMarkup`.
    let snippetHTML: String
}

struct SearchPageContext: Encodable, Sendable {
    let page: PageChrome
    let query: String
    let searched: Bool
    let rows: [SearchResultRow]
    let hasRows: Bool
    let resultSummary: String
    let statusOptions: [SelectOption]
    let assigneeOptions: [SelectOption]
    let teamOptions: [SelectOption]
}

/// `GET /search` — full-text search over every ticket, with highlighted snippets and filters.
struct SearchPage: RouteCollection {
    static let limit = 50

    func boot(routes: any RoutesBuilder) throws {
        routes.get("search", use: search)
    }

    func search(req: Request) async throws -> Response {
        let text = req.queryString("q").map { String($0.prefix(500)) } ?? ""
        // "1001" or "#1001" in the search box opens that ticket; `text=1` searches the digits.
        if req.queryString("text") != "1", let number = SearchRelevance.ticketNumber(in: text),
            (try? await req.requireTicketAccess(number)) != nil, try await Ticket.find(number, on: req.db) != nil
        {
            return req.redirect(to: "/tickets/\(number)", redirectType: .normal)
        }
        let status = req.queryString("status").flatMap(TicketStatus.init(rawValue:))
        let assigneeID = req.queryString("assignee").flatMap(Int.init)
        let teamID = req.queryString("team").flatMap(Int.init)
        let directory = try await req.rapport.configuration.current(on: req.db).directory
        var rows: [SearchResultRow] = []
        let query = SearchQuery(text)
        if !query.isEmpty {
            let hits = try await TicketSearch.search(
                query,
                filters: TicketSearchFilters(
                    statuses: status.map { [$0] } ?? [], assigneeID: assigneeID, teamID: teamID,
                    access: try await req.ticketAccess()),
                limit: Self.limit, now: req.rapport.clock.now(), on: req.db
            )
            let summaries = try await TicketQueries.summaries(ids: hits.map(\.ticketID), on: req.db)
            let byNumber = Dictionary(uniqueKeysWithValues: summaries.map { ($0.number, $0) })
            let now = req.rapport.settings.clock.now()
            rows = hits.compactMap { hit in
                guard let ticket = byNumber[hit.ticketID] else { return nil }
                return SearchResultRow(
                    number: ticket.number, subject: ticket.subject, url: "/tickets/\(ticket.number)",
                    requesterName: ticket.requester.name,
                    status: ticket.status.rawValue, statusLabel: ticket.status.label,
                    assigneeName: ticket.assignee?.name,
                    updated: PageDates.relative(ticket.updatedAt, now: now), snippetHTML: hit.snippetHTML
                )
            }
        }
        let context = SearchPageContext(
            page: try req.chrome(title: text.isEmpty ? "Search" : "Search: \(text)", section: "search"),
            query: text, searched: !query.isEmpty, rows: rows, hasRows: !rows.isEmpty,
            resultSummary: rows.count == Self.limit
                ? "The \(Self.limit) best matches" : "\(rows.count) matching ticket\(rows.count == 1 ? "" : "s")",
            statusOptions: [SelectOption(value: "", label: "Any status", selected: status == nil)]
                + SelectOption.choices(TicketStatus.allCases, selected: status),
            assigneeOptions: [SelectOption(value: "", label: "Anyone", selected: assigneeID == nil)]
                + directory.agents.map {
                    SelectOption(value: String($0.id), label: $0.name, selected: $0.id == assigneeID)
                },
            teamOptions: [SelectOption(value: "", label: "Any team", selected: teamID == nil)]
                + directory.teams.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == teamID) }
        )
        return try await req.page("search", context)
    }
}
