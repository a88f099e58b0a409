import Fluent
import FluentKit
import Vapor

struct TeamDTO: Content {
    let id: Int
    let name: String
    let description: String
    let members: [PersonReferenceDTO]
    let createdAt: Date
}

struct TeamInput: Decodable {
    let name: String?
    let description: String?
}

/// `/api/v1/teams` — everyone reads; admins create, rename and manage members.
struct TeamRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let teams = routes.grouped("teams")
        teams.get(use: list)
        teams.post(use: create)
        teams.get(":id", use: read)
        teams.patch(":id", use: update)
        teams.put(":id", "members", ":agentID", use: addMember)
        teams.delete(":id", "members", ":agentID", use: removeMember)
    }

    func list(req: Request) async throws -> [TeamDTO] {
        try await Self.load(ids: nil, on: req.db)
    }

    func read(req: Request) async throws -> TeamDTO {
        let id = try req.idParameter("id", naming: "Team")
        guard let team = try await Self.load(ids: [id], on: req.db).first else {
            throw RapportError.notFound("Team \(id)")
        }
        return team
    }

    func create(req: Request) async throws -> Response {
        _ = try req.requireAdmin()
        let input = try req.decodeJSON(TeamInput.self)
        guard let name = input.name else { throw RapportError.invalid(["name": "is required"]) }
        let id = try await req.rapport.teams.create(name: name, description: input.description ?? "", on: req.db)
        guard let team = try await Self.load(ids: [id], on: req.db).first else {
            throw RapportError.notFound("Team \(id)")
        }
        return try await team.created(at: "/api/v1/teams/\(id)", for: req)
    }

    func update(req: Request) async throws -> TeamDTO {
        _ = try req.requireAdmin()
        let id = try req.idParameter("id", naming: "Team")
        let input = try req.decodeJSON(TeamInput.self)
        try await req.rapport.teams.update(teamID: id, name: input.name, description: input.description, on: req.db)
        return try await read(req: req)
    }

    func addMember(req: Request) async throws -> TeamDTO {
        _ = try req.requireAdmin()
        let id = try req.idParameter("id", naming: "Team")
        try await req.rapport.teams.addMember(
            agentID: try req.idParameter("agentID", naming: "Agent"), toTeam: id, on: req.db)
        return try await read(req: req)
    }

    func removeMember(req: Request) async throws -> TeamDTO {
        _ = try req.requireAdmin()
        let id = try req.idParameter("id", naming: "Team")
        try await req.rapport.teams.removeMember(
            agentID: try req.idParameter("agentID", naming: "Agent"), fromTeam: id, on: req.db)
        return try await read(req: req)
    }

    static func load(ids: [Int]?, on db: any Database) async throws -> [TeamDTO] {
        var query = Team.query(on: db).sort(\.$name)
        if let ids { query = query.filter(\.$id ~~ ids) }
        let teams = try await query.all()
        let teamIDs = teams.compactMap(\.id)
        let memberships =
            teamIDs.isEmpty ? [] : try await TeamMembership.query(on: db).filter(\.$teamID ~~ teamIDs).all()
        let agentIDs = Set(memberships.map(\.agentID))
        let agents = agentIDs.isEmpty ? [] : try await Agent.query(on: db).filter(\.$id ~~ agentIDs).sort(\.$name).all()
        let membersByTeam = Dictionary(grouping: memberships, by: \.teamID).mapValues { Set($0.map(\.agentID)) }
        return teams.compactMap { team in
            guard let id = team.id else { return nil }
            let members = agents.filter { membersByTeam[id]?.contains($0.id ?? 0) ?? false }
                .compactMap { a in a.id.map { PersonReferenceDTO(id: $0, name: a.name, email: a.email) } }
            return TeamDTO(
                id: id, name: team.name, description: team.description, members: members, createdAt: team.createdAt)
        }
    }
}
