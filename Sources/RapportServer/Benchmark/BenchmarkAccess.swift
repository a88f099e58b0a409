import Fluent
import FluentKit
import Foundation
import RapportCore
import SQLKit
import Vapor

/// What the workload benchmark needs from a seeded database before it starts the server: the
/// desk's size, and an API token and a browser session for the agent it acts as.
public struct BenchmarkAccess: Sendable {
    public let ticketCount: Int
    public let messageCount: Int
    public let customerCount: Int
    public let agentID: Int
    public let apiToken: String
    /// `name=value`, ready for a Cookie header.
    public let sessionCookie: String
    /// Addresses of existing customers, for mail from people the desk knows.
    public let customerEmails: [String]

    /// Whether the database holds no tickets yet, so a benchmark may seed it.
    public static func isEmpty(_ app: Application) async throws -> Bool {
        try await Ticket.query(on: app.db).count() == 0
    }

    /// Reads the desk's size and issues fresh credentials for agent 1 (the seeded administrator).
    public static func prepare(_ app: Application) async throws -> BenchmarkAccess {
        guard let agent = try await Agent.find(1, on: app.db), agent.role == .admin else {
            throw RapportMessageError(
                "This database was not made by 'rapport bench seed': it has no administrator with id 1.")
        }
        let token = try await app.rapport.apiTokens.issue(forAgent: 1, name: "benchmark", on: app.db).token
        let session = try await app.rapport.webSessions.start(agentID: 1, userAgent: "rapport bench", on: app.db)
        let emails = try await CustomerEmail.query(on: app.db).sort(\.$id).limit(500).all().map(\.address)
        return BenchmarkAccess(
            ticketCount: try await Ticket.query(on: app.db).count(),
            messageCount: try await Message.query(on: app.db).count(),
            customerCount: try await Customer.query(on: app.db).count(),
            agentID: 1, apiToken: token,
            sessionCookie: "\(WebSessionAuthenticator.cookieName)=\(session.token)",
            customerEmails: emails
        )
    }
}

extension BenchmarkAccess {
    /// The ids of the events in the log that an agent's tabs receive (everything but other
    /// agents' notifications), oldest first: what the live benchmark checks its tabs against.
    public static func visibleEventIDs(_ app: Application, agentID: Int) async throws -> [Int] {
        try await app.db.sql.raw(
            """
            SELECT id AS "id" FROM events WHERE audience_agent_id IS NULL OR audience_agent_id = \(bind: agentID) ORDER BY id
            """
        ).all().map { try $0.decode(column: "id", as: Int.self) }
    }
}

/// The queries the micro-benchmarks time in-process, without HTTP or rendering.
public enum BenchmarkQueries {
    /// One inbox page of 50 for agent 1, as the inbox runs it: "mine" or "open", newest update first.
    public static func inboxPage(_ app: Application, view: String) async throws -> Int {
        guard let inboxView = InboxView(rawValue: view) else {
            throw RapportMessageError("Unknown inbox view \(view).")
        }
        let filters = inboxView.filters(agentID: 1, teamIDs: [1], now: Date())
        return try await TicketQueries.page(
            filters, sort: .updatedNewest, after: nil, limit: InboxPage.pageSize, on: app.db
        ).tickets.count
    }

    /// The best 25 search hits for one word.
    public static func search(_ app: Application, text: String) async throws -> Int {
        try await TicketSearch.search(SearchQuery(text), filters: TicketSearchFilters(), limit: 25, on: app.db).count
    }

    /// A ticket with its conversation, as the API returns it.
    public static func ticketDetail(_ app: Application, number: Int) async throws {
        _ = try await TicketQueries.detail(ticketID: number, on: app.db)
    }
}
