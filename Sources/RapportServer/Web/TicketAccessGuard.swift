import Fluent
import FluentKit
import RapportCore
import SQLKit
import Vapor

extension Request {
    /// Which tickets the signed-in agent may see, from the cached staff directory.
    func ticketAccess() async throws -> TicketAccess {
        try await rapport.configuration.current(on: db).directory.access(ofAgent: try self.agent.id)
    }

    /// Answers "not found" unless the agent may see the ticket: an agent learns nothing, not
    /// even that it exists, of a ticket outside their teams.
    func requireTicketAccess(_ ticketID: Int) async throws {
        let access = try await ticketAccess()
        guard access.isRestricted else { return }
        guard let owner = try await TicketOwner.load(ticketID, on: db),
            access.allows(teamID: owner.teamID, assigneeID: owner.assigneeID)
        else {
            throw RapportError.notFound("Ticket #\(ticketID)")
        }
    }
}

/// A ticket's team and assignee: what decides who may see it.
struct TicketOwner: Decodable, Sendable {
    let teamID: Int?
    let assigneeID: Int?

    static func load(_ ticketID: Int, on db: any Database) async throws -> TicketOwner? {
        try await db.sql.raw(
            """
            SELECT team_id AS "teamID", assignee_id AS "assigneeID" FROM tickets WHERE id = \(bind: ticketID)
            """
        ).first(decoding: TicketOwner.self)
    }
}

/// Guards every route with a `:number` (a ticket) for agents who see only some tickets; for
/// everyone else it costs nothing.
struct TicketAccessMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let raw = request.parameters.get("number"), let ticketID = Int(raw),
            request.auth.has(AuthenticatedAgent.self)
        {
            try await request.requireTicketAccess(ticketID)
        }
        return try await next.respond(to: request)
    }
}

extension TicketOwner {
    /// The owners of several tickets at once, by ticket id.
    static func load(ids: [Int], on db: any Database) async throws -> [Int: TicketOwner] {
        guard !ids.isEmpty else { return [:] }
        struct Row: Decodable {
            let id: Int
            let teamID: Int?
            let assigneeID: Int?
        }
        let rows = try await db.sql.raw(
            """
            SELECT id AS "id", team_id AS "teamID", assignee_id AS "assigneeID" FROM tickets WHERE id IN \(SQLBind.group(ids))
            """
        ).all(decoding: Row.self)
        return Dictionary(
            uniqueKeysWithValues: rows.map { ($0.id, TicketOwner(teamID: $0.teamID, assigneeID: $0.assigneeID)) })
    }
}
