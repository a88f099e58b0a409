import Fluent
import FluentKit
import RapportCore
import Vapor

struct AgentDTO: Content {
    let id: Int
    let name: String
    let email: String
    let role: AgentRole
    let signature: String
    let isActive: Bool
    let teams: [NamedReferenceDTO]
    let createdAt: Date

    static func load(ids: [Int]? = nil, on db: any Database) async throws -> [AgentDTO] {
        var query = Agent.query(on: db).sort(\.$name).sort(\.$id)
        if let ids { query = query.filter(\.$id ~~ ids) }
        let agents = try await query.all()
        let agentIDs = agents.compactMap(\.id)
        let memberships = agentIDs.isEmpty ? [] : try await TeamMembership.query(on: db).filter(\.$agentID ~~ agentIDs).all()
        let teamIDs = Set(memberships.map(\.teamID))
        let teams = teamIDs.isEmpty ? [] : try await Team.query(on: db).filter(\.$id ~~ teamIDs).sort(\.$name).all()
        let teamsByAgent = Dictionary(grouping: memberships, by: \.agentID).mapValues { Set($0.map(\.teamID)) }
        return agents.compactMap { agent in
            guard let id = agent.id else { return nil }
            let mine = teams.filter { teamsByAgent[id]?.contains($0.id ?? 0) ?? false }.compactMap { t in t.id.map { NamedReferenceDTO(id: $0, name: t.name) } }
            return AgentDTO(id: id, name: agent.name, email: agent.email, role: agent.role, signature: agent.signature,
                            isActive: agent.isActive, teams: mine, createdAt: agent.createdAt)
        }
    }
}

struct CreateAgentRequest: Decodable {
    let name: String
    let email: String
    let role: String?
    let password: String
    let signature: String?
}

struct UpdateAgentRequest: Decodable {
    let name: String?
    let email: String?
    let role: String?
    let signature: String?
    let isActive: Bool?
    let password: String?
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
        guard let agent = try await AgentDTO.load(ids: [id], on: req.db).first else { throw RapportError.notFound("Agent \(id)") }
        return agent
    }

    func create(req: Request) async throws -> Response {
        _ = try req.requireAdmin()
        let input = try req.decodeJSON(CreateAgentRequest.self)
        var problems = FieldErrors()
        let role = parseChoice(input.role, AgentRole.self, field: "role", into: &problems) ?? .agent
        try problems.throwIfAny()
        let id = try await req.rapport.agents.create(NewAgent(name: input.name, email: input.email, role: role, password: input.password, signature: input.signature ?? ""), on: req.db)
        guard let agent = try await AgentDTO.load(ids: [id], on: req.db).first else { throw RapportError.notFound("Agent \(id)") }
        return try await agent.created(at: "/api/v1/agents/\(id)", for: req)
    }

    func update(req: Request) async throws -> AgentDTO {
        let id = try req.idParameter("id", naming: "Agent")
        let me = try req.agent
        let input = try req.decodeJSON(UpdateAgentRequest.self)
        if !me.isAdmin {
            guard me.id == id else { throw RapportError.adminOnly }
            if input.role != nil || input.isActive != nil || input.email != nil {
                throw RapportError(.forbidden, code: "forbidden", reason: "Only admins can change an agent's role, email or active flag.")
            }
        }
        var problems = FieldErrors()
        let role = parseChoice(input.role, AgentRole.self, field: "role", into: &problems)
        try problems.throwIfAny()
        try await req.rapport.agents.update(agentID: id, with: AgentUpdate(
            name: input.name, email: input.email, role: role, signature: input.signature, isActive: input.isActive, password: input.password
        ), on: req.db)
        return try await read(req: req)
    }
}
