import Fluent
import RapportCore
import Vapor

struct AdminTeamRow: Encodable, Sendable {
    let id: Int
    let name: String
    let description: String
    let members: [(PersonLink)]
    let addableAgents: [SelectOption]
    /// Who is told when one of the team's tickets is escalated.
    let leadOptions: [SelectOption]
}

struct PersonLink: Encodable, Sendable {
    let id: Int
    let name: String
}

struct AdminTeamsContext: Encodable, Sendable {
    let page: PageChrome
    let rows: [AdminTeamRow]
    let error: String?
    let newName: String
}

/// Admin → Teams: teams, their members and leads.
struct TeamAdminPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped("admin").grouped(RequireAdminPageMiddleware())
        admin.get("teams", use: teams)
        admin.post("teams", use: createTeam)
        admin.post("teams", ":id", "members", use: addMember)
        admin.post("teams", ":id", "lead", use: setLead)
        admin.post("teams", ":id", "members", ":agentID", "remove", use: removeMember)
    }

    // MARK: Teams

    func teams(req: Request) async throws -> Response {
        try await renderTeams(req, error: nil, newName: "")
    }

    struct TeamForm: Decodable {
        var name: String?
        var description: String?
    }

    func createTeam(req: Request) async throws -> Response {
        let form = try req.content.decode(TeamForm.self)
        do {
            _ = try await req.rapport.teams.create(
                name: form.name ?? "", description: form.description ?? "", on: req.db)
            return req.redirect(to: "/admin/teams", notice: .teamSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderTeams(
                req, error: FormErrorWording.sentence(error), newName: form.name ?? "", status: .unprocessableEntity)
        }
    }

    struct MemberForm: Decodable {
        var agentID: Int?
        enum CodingKeys: String, CodingKey { case agentID = "agent_id" }
    }

    func addMember(req: Request) async throws -> Response {
        let teamID = try req.idParameter("id", naming: "Team")
        guard let agentID = try req.content.decode(MemberForm.self).agentID else {
            return try await renderTeams(
                req, error: "Choose an agent to add.", newName: "", status: .unprocessableEntity)
        }
        try await req.rapport.teams.addMember(agentID: agentID, toTeam: teamID, on: req.db)
        return req.redirect(to: "/admin/teams", notice: .teamSaved)
    }

    func removeMember(req: Request) async throws -> Response {
        let teamID = try req.idParameter("id", naming: "Team")
        let agentID = try req.idParameter("agentID", naming: "Agent")
        try await req.rapport.teams.removeMember(agentID: agentID, fromTeam: teamID, on: req.db)
        return req.redirect(to: "/admin/teams", notice: .teamSaved)
    }

    struct LeadForm: Decodable {
        var agentID: String?
        enum CodingKeys: String, CodingKey { case agentID = "agent_id" }
    }

    /// `POST /admin/teams/:id/lead` — the agent told about the team's escalated tickets.
    func setLead(req: Request) async throws -> Response {
        let teamID = try req.idParameter("id", naming: "Team")
        guard let team = try await Team.find(teamID, on: req.db) else { throw RapportError.notFound("Team \(teamID)") }
        let raw = try req.content.decode(LeadForm.self).agentID ?? ""
        if raw.isEmpty {
            team.leadAgentID = nil
        } else {
            guard let agentID = Int(raw), let agent = try await Agent.find(agentID, on: req.db), agent.isActive else {
                return try await renderTeams(
                    req, error: "Choose an active agent as the team lead.", newName: "", status: .unprocessableEntity)
            }
            team.leadAgentID = agentID
        }
        team.updatedAt = req.rapport.clock.now()
        try await team.update(on: req.db)
        return req.redirect(to: "/admin/teams", notice: .teamSaved)
    }

    private func renderTeams(_ req: Request, error: String?, newName: String, status: HTTPStatus = .ok) async throws
        -> Response
    {
        let teams = try await Team.query(on: req.db).sort(\.$name).all()
        let memberships = try await TeamMembership.query(on: req.db).all()
        let directory = try await req.rapport.configuration.current(on: req.db).directory
        let rows = teams.compactMap { team -> AdminTeamRow? in
            guard let teamID = team.id else { return nil }
            let memberIDs = Set(memberships.filter { $0.teamID == teamID }.map(\.agentID))
            return AdminTeamRow(
                id: teamID, name: team.name, description: team.description,
                members: directory.agents.filter { memberIDs.contains($0.id) }.map {
                    PersonLink(id: $0.id, name: $0.name)
                },
                addableAgents: directory.agents.filter { $0.isActive && !memberIDs.contains($0.id) }.map {
                    SelectOption(value: String($0.id), label: $0.name, selected: false)
                },
                leadOptions: [SelectOption(value: "", label: "No lead", selected: team.leadAgentID == nil)]
                    + directory.agents.filter(\.isActive).map {
                        SelectOption(value: String($0.id), label: $0.name, selected: $0.id == team.leadAgentID)
                    }
            )
        }
        let context = AdminTeamsContext(
            page: try req.chrome(title: "Teams", section: "admin"), rows: rows, error: error, newName: newName)
        return try await req.page("admin-teams", context, status: status)
    }
}
