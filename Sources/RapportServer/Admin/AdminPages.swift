import Fluent
import RapportCore
import Vapor

/// Lets only admins through to the admin pages; everyone else gets a 403 page.
struct RequireAdminPageMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try request.requireAdmin()
        return try await next.respond(to: request)
    }
}

struct AdminAgentRow: Encodable, Sendable {
    let id: Int
    let name: String
    let email: String
    let roleOptions: [SelectOption]
    let isActive: Bool
    let isSelf: Bool
    let teams: String
}

struct AdminAgentsContext: Encodable, Sendable {
    let page: PageChrome
    let rows: [AdminAgentRow]
    let error: String?
    let form: NewAgentForm
    let roleOptions: [SelectOption]
}

struct NewAgentForm: Codable, Sendable {
    var name: String?
    var email: String?
    var role: String?
    var password: String?

    /// The password is never sent back into the page.
    func withoutPassword() -> NewAgentForm { NewAgentForm(name: name, email: email, role: role, password: nil) }
}

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

struct AdminMacroRow: Encodable, Sendable {
    let id: Int
    let title: String
    let preview: String
    let actions: String
}

struct AdminMacrosContext: Encodable, Sendable {
    let page: PageChrome
    let rows: [AdminMacroRow]
    let hasRows: Bool
}

struct MacroForm: Codable, Sendable {
    var title: String?
    var body: String?
    var setStatus: String?
    var setPriority: String?
    var setTeam: String?
    var assignToUser: String?
    var addTags: String?

    enum CodingKeys: String, CodingKey {
        case title, body, setStatus = "set_status", setPriority = "set_priority", setTeam = "set_team", assignToUser = "assign_to_user", addTags = "add_tags"
    }
}

struct PlaceholderHelp: Encodable, Sendable {
    let name: String
    let meaning: String
}

struct AdminMacroEditContext: Encodable, Sendable {
    let page: PageChrome
    let macroID: Int?
    let form: MacroForm
    let assignToUser: Bool
    let statusOptions: [SelectOption]
    let priorityOptions: [SelectOption]
    let teamOptions: [SelectOption]
    let placeholders: [PlaceholderHelp]
    let error: String?
}

/// Admin pages: agents, teams and macros.
struct AdminPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let admin = routes.grouped("admin").grouped(RequireAdminPageMiddleware())
        admin.get { req in req.redirect(to: "/admin/agents") }
        admin.get("agents", use: agents)
        admin.post("agents", use: createAgent)
        admin.post("agents", ":id", use: updateAgent)
        admin.get("teams", use: teams)
        admin.post("teams", use: createTeam)
        admin.post("teams", ":id", "members", use: addMember)
        admin.post("teams", ":id", "lead", use: setLead)
        admin.post("teams", ":id", "members", ":agentID", "remove", use: removeMember)
        admin.get("macros", use: macros)
        admin.get("macros", "new", use: newMacro)
        admin.post("macros", use: createMacro)
        admin.get("macros", ":id", use: editMacro)
        admin.post("macros", ":id", use: updateMacro)
        admin.post("macros", ":id", "delete", use: deleteMacro)
    }

    // MARK: Agents

    func agents(req: Request) async throws -> Response {
        try await renderAgents(req, error: nil, form: NewAgentForm(role: AgentRole.agent.rawValue))
    }

    func createAgent(req: Request) async throws -> Response {
        let form = try req.content.decode(NewAgentForm.self)
        do {
            let role = try WebForm.optionalChoice(form.role, AgentRole.self, field: "role") ?? .agent
            _ = try await req.rapport.agents.create(NewAgent(name: form.name ?? "", email: form.email ?? "", role: role, password: form.password ?? ""), on: req.db)
            return req.redirect(to: "/admin/agents", notice: .agentSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderAgents(req, error: TicketPage.sentence(error), form: form.withoutPassword(), status: .unprocessableEntity)
        }
    }

    struct AgentChangeForm: Decodable {
        var role: String?
        var active: String?
        var password: String?
    }

    func updateAgent(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Agent")
        let form = try req.content.decode(AgentChangeForm.self)
        do {
            var changes = AgentUpdate()
            changes.role = try WebForm.optionalChoice(form.role, AgentRole.self, field: "role")
            changes.isActive = form.active == "true"
            if let password = form.password, !password.isEmpty { changes.password = password }
            if id == (try req.agent.id), changes.isActive == false {
                throw RapportError.conflict("You cannot deactivate yourself; ask another admin.")
            }
            try await req.rapport.agents.update(agentID: id, with: changes, on: req.db)
            if changes.isActive == false || changes.password != nil {
                try await req.rapport.webSessions.endAll(agentID: id, on: req.db)
            }
            return req.redirect(to: "/admin/agents", notice: .agentSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderAgents(req, error: TicketPage.sentence(error), form: NewAgentForm(role: AgentRole.agent.rawValue), status: .unprocessableEntity)
        }
    }

    private func renderAgents(_ req: Request, error: String?, form: NewAgentForm, status: HTTPStatus = .ok) async throws -> Response {
        let me = try req.agent.id
        let agents = try await AgentDTO.load(on: req.db)
        let context = AdminAgentsContext(
            page: try req.chrome(title: "Agents", section: "admin"),
            rows: agents.map { agent in
                AdminAgentRow(
                    id: agent.id, name: agent.name, email: agent.email,
                    roleOptions: AgentRole.allCases.map { SelectOption(value: $0.rawValue, label: $0.rawValue.capitalizedFirst, selected: $0 == agent.role) },
                    isActive: agent.isActive, isSelf: agent.id == me, teams: agent.teams.map(\.name).joined(separator: ", ")
                )
            },
            error: error, form: form,
            roleOptions: AgentRole.allCases.map { SelectOption(value: $0.rawValue, label: $0.rawValue.capitalizedFirst, selected: $0.rawValue == form.role) }
        )
        return try await req.page("admin-agents", context, status: status)
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
            _ = try await req.rapport.teams.create(name: form.name ?? "", description: form.description ?? "", on: req.db)
            return req.redirect(to: "/admin/teams", notice: .teamSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderTeams(req, error: TicketPage.sentence(error), newName: form.name ?? "", status: .unprocessableEntity)
        }
    }

    struct MemberForm: Decodable {
        var agentID: Int?
        enum CodingKeys: String, CodingKey { case agentID = "agent_id" }
    }

    func addMember(req: Request) async throws -> Response {
        let teamID = try req.idParameter("id", naming: "Team")
        guard let agentID = try req.content.decode(MemberForm.self).agentID else {
            return try await renderTeams(req, error: "Choose an agent to add.", newName: "", status: .unprocessableEntity)
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
                return try await renderTeams(req, error: "Choose an active agent as the team lead.", newName: "", status: .unprocessableEntity)
            }
            team.leadAgentID = agentID
        }
        team.updatedAt = req.rapport.clock.now()
        try await team.update(on: req.db)
        return req.redirect(to: "/admin/teams", notice: .teamSaved)
    }

    private func renderTeams(_ req: Request, error: String?, newName: String, status: HTTPStatus = .ok) async throws -> Response {
        let teams = try await Team.query(on: req.db).sort(\.$name).all()
        let memberships = try await TeamMembership.query(on: req.db).all()
        let directory = try await StaffDirectory.load(on: req.db)
        let rows = teams.compactMap { team -> AdminTeamRow? in
            guard let teamID = team.id else { return nil }
            let memberIDs = Set(memberships.filter { $0.teamID == teamID }.map(\.agentID))
            return AdminTeamRow(
                id: teamID, name: team.name, description: team.description,
                members: directory.agents.filter { memberIDs.contains($0.id) }.map { PersonLink(id: $0.id, name: $0.name) },
                addableAgents: directory.agents.filter { $0.isActive && !memberIDs.contains($0.id) }.map { SelectOption(value: String($0.id), label: $0.name, selected: false) },
                leadOptions: [SelectOption(value: "", label: "No lead", selected: team.leadAgentID == nil)]
                    + directory.agents.filter(\.isActive).map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == team.leadAgentID) }
            )
        }
        let context = AdminTeamsContext(page: try req.chrome(title: "Teams", section: "admin"), rows: rows, error: error, newName: newName)
        return try await req.page("admin-teams", context, status: status)
    }

    // MARK: Macros

    func macros(req: Request) async throws -> Response {
        let macros = try await MacroService.all(on: req.db)
        let directory = try await StaffDirectory.load(on: req.db)
        let rows = macros.compactMap { macro -> AdminMacroRow? in
            guard let id = macro.id else { return nil }
            var actions: [String] = []
            if let status = macro.setStatus { actions.append("status \(status.label)") }
            if let priority = macro.setPriority { actions.append("priority \(priority.label)") }
            if let team = directory.teamName(macro.setTeamID) { actions.append("team \(team)") }
            if macro.assignToUser { actions.append("assign to me") }
            if !macro.addTags.isEmpty { actions.append("tags \(macro.addTags)") }
            return AdminMacroRow(id: id, title: macro.title, preview: String(macro.body.prefix(140)), actions: actions.joined(separator: " · "))
        }
        return try await req.page("admin-macros", AdminMacrosContext(page: try req.chrome(title: "Macros", section: "admin"), rows: rows, hasRows: !rows.isEmpty))
    }

    func newMacro(req: Request) async throws -> Response {
        try await renderMacroEditor(req, macroID: nil, form: MacroForm(body: "Hi {{customer.first_name}},\n\n\n\nBest regards,\n{{agent.first_name}}"), error: nil)
    }

    func editMacro(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Macro")
        let macro = try await MacroService.find(id, on: req.db)
        let form = MacroForm(
            title: macro.title, body: macro.body, setStatus: macro.setStatus?.rawValue, setPriority: macro.setPriority?.rawValue,
            setTeam: macro.setTeamID.map(String.init), assignToUser: macro.assignToUser ? "true" : nil, addTags: macro.addTags
        )
        return try await renderMacroEditor(req, macroID: id, form: form, error: nil)
    }

    func createMacro(req: Request) async throws -> Response {
        let form = try req.content.decode(MacroForm.self)
        do {
            _ = try await req.rapport.macros.create(try Self.input(form), on: req.db)
            return req.redirect(to: "/admin/macros", notice: .macroSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderMacroEditor(req, macroID: nil, form: form, error: TicketPage.sentence(error), status: .unprocessableEntity)
        }
    }

    func updateMacro(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Macro")
        let form = try req.content.decode(MacroForm.self)
        do {
            try await req.rapport.macros.update(macroID: id, with: try Self.input(form), on: req.db)
            return req.redirect(to: "/admin/macros", notice: .macroSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await renderMacroEditor(req, macroID: id, form: form, error: TicketPage.sentence(error), status: .unprocessableEntity)
        }
    }

    func deleteMacro(req: Request) async throws -> Response {
        try await req.rapport.macros.delete(macroID: try req.idParameter("id", naming: "Macro"), on: req.db)
        return req.redirect(to: "/admin/macros", notice: .macroDeleted)
    }

    private static func input(_ form: MacroForm) throws -> MacroInput {
        var teamID: Int?
        if case let .set(team) = try WebForm.reference(form.setTeam, field: "set_team") { teamID = team }
        return MacroInput(
            title: form.title ?? "", body: (form.body ?? "").replacingOccurrences(of: "\r\n", with: "\n"),
            setStatus: try WebForm.optionalChoice(form.setStatus, TicketStatus.self, field: "set_status"),
            setPriority: try WebForm.optionalChoice(form.setPriority, TicketPriority.self, field: "set_priority"),
            setTeamID: teamID, assignToUser: form.assignToUser == "true", addTags: form.addTags ?? ""
        )
    }

    private func renderMacroEditor(_ req: Request, macroID: Int?, form: MacroForm, error: String?, status: HTTPStatus = .ok) async throws -> Response {
        let directory = try await StaffDirectory.load(on: req.db)
        let context = AdminMacroEditContext(
            page: try req.chrome(title: macroID == nil ? "New macro" : "Edit macro", section: "admin"),
            macroID: macroID, form: form, assignToUser: form.assignToUser == "true",
            statusOptions: [SelectOption(value: "", label: "Leave status", selected: (form.setStatus ?? "").isEmpty)]
                + SelectOption.choices([TicketStatus.open, .pending, .solved], selected: form.setStatus.flatMap(TicketStatus.init(rawValue:))),
            priorityOptions: [SelectOption(value: "", label: "Leave priority", selected: (form.setPriority ?? "").isEmpty)]
                + SelectOption.choices(TicketPriority.allCases, selected: form.setPriority.flatMap(TicketPriority.init(rawValue:))),
            teamOptions: [SelectOption(value: "", label: "Leave team", selected: (form.setTeam ?? "").isEmpty)]
                + directory.teams.map { SelectOption(value: String($0.id), label: $0.name, selected: String($0.id) == form.setTeam) },
            placeholders: MacroTemplate.placeholders.map { PlaceholderHelp(name: "{{\($0.name)}}", meaning: $0.meaning) },
            error: error
        )
        return try await req.page("admin-macro-edit", context, status: status)
    }
}
