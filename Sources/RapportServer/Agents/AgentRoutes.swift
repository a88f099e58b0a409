import Fluent
import FluentKit
import RapportCore
import Vapor

struct CreateAgentRequest: Decodable {
    let name: String
    let email: String
    let role: String?
    let ticketAccess: String?
    let password: String
    let signature: String?
}

struct UpdateAgentRequest: Decodable {
    let name: String?
    let email: String?
    let role: String?
    let ticketAccess: String?
    let signature: String?
    let isActive: Bool?
    let password: String?
    /// Required when agents change their own password.
    let currentPassword: String?
}

/// `/api/v1/agents` — everyone reads; admins create and change agents; an agent may change
/// their own name, signature and password.
struct AgentRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let agents = routes.grouped("agents")
        agents.get(use: list)
        agents.post(use: create)
        agents.get(":id", use: read)
        agents.patch(":id", use: update)
    }

    func list(req: Request) async throws -> [AgentDTO] {
        try await AgentDTO.load(on: req.db)
    }

    func read(req: Request) async throws -> AgentDTO {
        let id = try req.idParameter("id", naming: "Agent")
        guard let agent = try await AgentDTO.load(ids: [id], on: req.db).first else {
            throw RapportError.notFound("Agent \(id)")
        }
        return agent
    }

    func create(req: Request) async throws -> Response {
        _ = try req.requireAdmin()
        let input = try req.decodeJSON(CreateAgentRequest.self)
        var problems = FieldErrors()
        let role = parseChoice(input.role, AgentRole.self, field: "role", into: &problems) ?? .agent
        let scope = parseChoice(input.ticketAccess, TicketScope.self, field: "ticket_access", into: &problems) ?? .all
        try problems.throwIfAny()
        let id = try await req.rapport.agents.create(
            NewAgent(
                name: input.name, email: input.email, role: role, ticketScope: scope, password: input.password,
                signature: input.signature ?? ""), on: req.db)
        guard let agent = try await AgentDTO.load(ids: [id], on: req.db).first else {
            throw RapportError.notFound("Agent \(id)")
        }
        return try await agent.created(at: "/api/v1/agents/\(id)", for: req)
    }

    func update(req: Request) async throws -> AgentDTO {
        let id = try req.idParameter("id", naming: "Agent")
        let me = try req.agent
        let input = try req.decodeJSON(UpdateAgentRequest.self)
        if !me.isAdmin {
            guard me.id == id else { throw RapportError.adminOnly }
            if input.role != nil || input.isActive != nil || input.email != nil || input.ticketAccess != nil {
                throw RapportError(
                    .forbidden, code: "forbidden",
                    reason: "Only admins can change an agent's role, ticket access, email or active flag.")
            }
        }
        var problems = FieldErrors()
        let role = parseChoice(input.role, AgentRole.self, field: "role", into: &problems)
        let scope = parseChoice(input.ticketAccess, TicketScope.self, field: "ticket_access", into: &problems)
        if input.password != nil, me.id == id {
            // Whoever holds a stolen token must not be able to lock the agent out with it.
            let agent = try await Agent.find(id, orNotFound: "Agent", on: req.db)
            if let current = input.currentPassword, !current.isEmpty {
                if !(try await req.rapport.agents.passwords.verify(current, against: agent.passwordHash)) {
                    problems.add("current_password", "is not your current password")
                }
            } else {
                problems.add("current_password", "is required to change your own password")
            }
        }
        try problems.throwIfAny()
        try await req.rapport.agents.update(
            agentID: id,
            with: AgentUpdate(
                name: input.name, email: input.email, role: role, ticketScope: scope, signature: input.signature,
                isActive: input.isActive, password: input.password,
                keeping: me.id == id ? req.signedInCredential : nil
            ), on: req.db)
        return try await read(req: req)
    }
}
