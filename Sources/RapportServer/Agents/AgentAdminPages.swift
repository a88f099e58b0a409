import Fluent
import RapportCore
import Vapor

/// Admin → Agents: invite agents (they choose their own password by an emailed link), change
/// roles, send a new sign-in link, and deactivate someone, deciding first what becomes of their
/// open tickets.
struct AgentAdminPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.grouped("admin").grouped(RequireAdminPageMiddleware()).get { req in req.redirect(to: "/admin/agents") }
        let admin = routes.grouped("admin", "agents").grouped(RequireAdminPageMiddleware())
        admin.get(use: list)
        admin.post(use: invite)
        admin.post(":id", use: update)
        admin.post(":id", "link", use: sendLink)
        admin.get(":id", "deactivate", use: confirmDeactivation)
    }

    struct Row: Encodable, Sendable {
        let id: Int
        let name: String
        let email: String
        let roleOptions: [SelectOption]
        let scopeOptions: [SelectOption]
        let isActive: Bool
        let isSelf: Bool
        let teams: String
        let invitationPending: Bool
    }

    struct InviteForm: Codable, Sendable {
        var name: String?
        var email: String?
        var role: String?
        var ticketAccess: String?

        enum CodingKeys: String, CodingKey {
            case name, email, role
            case ticketAccess = "ticket_access"
        }
    }

    /// A link the admin must hand over because mail is not set up.
    struct HandOver: Encodable, Sendable {
        let name: String
        let url: String
    }

    struct Context: Encodable, Sendable {
        let page: PageChrome
        let rows: [Row]
        let error: String?
        let form: InviteForm
        let roleOptions: [SelectOption]
        let scopeOptions: [SelectOption]
        let handOver: HandOver?
    }

    func list(req: Request) async throws -> Response {
        try await render(req, form: InviteForm(role: AgentRole.agent.rawValue))
    }

    /// `POST /admin/agents` — invites an agent: the account, and an email with a link to choose
    /// a password. Without outgoing mail the page shows the link to pass on.
    func invite(req: Request) async throws -> Response {
        let form = try req.content.decode(InviteForm.self)
        do {
            let role = try WebForm.optionalChoice(form.role, AgentRole.self, field: "role") ?? .agent
            let scope = try WebForm.optionalChoice(form.ticketAccess, TicketScope.self, field: "ticket_access") ?? .all
            let link = try await req.rapport.agentAccess.invite(
                name: form.name ?? "", email: form.email ?? "", role: role, ticketScope: scope,
                publicURL: req.rapport.settings.publicURL, on: req.db)
            if link.emailed { return req.redirect(to: "/admin/agents", notice: .agentInvited) }
            let name = try await Agent.find(link.agentID, on: req.db)?.name ?? "them"
            return try await render(
                req, form: InviteForm(role: AgentRole.agent.rawValue), handOver: HandOver(name: name, url: link.url),
                notice: .agentInvitedByHand)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, form: form, error: FormErrorWording.sentence(error), status: .unprocessableEntity)
        }
    }

    /// `POST /admin/agents/:id/link` — a new link to choose a password (a lost invitation, a
    /// forgotten password). The old password keeps working until the new one is chosen.
    func sendLink(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Agent")
        let pending = try await req.rapport.agentAccess.hasPendingInvitation(agentID: id, on: req.db)
        do {
            let link = try await req.rapport.agentAccess.issueLink(
                for: id, purpose: pending ? .invitation : .reset,
                publicURL: req.rapport.settings.publicURL, on: req.db)
            if link.emailed { return req.redirect(to: "/admin/agents", notice: .agentLinkSent) }
            let name = try await Agent.find(id, on: req.db)?.name ?? "them"
            return try await render(
                req, form: InviteForm(role: AgentRole.agent.rawValue), handOver: HandOver(name: name, url: link.url),
                notice: .agentInvitedByHand)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, form: InviteForm(role: AgentRole.agent.rawValue), error: error.reason, status: error.status)
        }
    }

    struct ChangeForm: Decodable {
        var role: String?
        var ticketAccess: String?
        var active: String?
        /// When deactivating someone with open tickets: `reassign` or `unassign`.
        var openTickets: String?
        var reassignTo: String?

        enum CodingKeys: String, CodingKey {
            case role
            case ticketAccess = "ticket_access"
            case active
            case openTickets = "open_tickets"
            case reassignTo = "reassign_to"
        }
    }

    func update(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Agent")
        let me = try req.agent
        let form = try req.content.decode(ChangeForm.self)
        do {
            var changes = AgentUpdate()
            changes.role = try WebForm.optionalChoice(form.role, AgentRole.self, field: "role")
            changes.ticketScope = try WebForm.optionalChoice(
                form.ticketAccess, TicketScope.self, field: "ticket_access")
            changes.isActive = form.active == "true"
            let agent = try await Agent.find(id, orNotFound: "Agent", on: req.db)
            if id == me.id, changes.isActive == false {
                throw RapportError.conflict("You cannot deactivate yourself; ask another admin.")
            }
            if agent.isActive, changes.isActive == false {
                let open = try await Self.openTickets(of: id, on: req.db)
                if !open.isEmpty {
                    switch form.openTickets {
                    case "reassign":
                        guard case .set(let target?) = try WebForm.assignee(form.reassignTo, currentAgent: me.id),
                            target != id
                        else {
                            return try await renderDeactivation(
                                req, agent: agent, open: open,
                                error: "Choose who takes over the tickets, or leave them unassigned.")
                        }
                        try await Self.hand(open, to: target, by: me.actor, using: req.rapport.tickets, on: req.db)
                    case "unassign":
                        try await Self.hand(open, to: nil, by: me.actor, using: req.rapport.tickets, on: req.db)
                    default:
                        return try await renderDeactivation(req, agent: agent, open: open, error: nil)
                    }
                }
            }
            try await req.rapport.agents.update(agentID: id, with: changes, on: req.db)
            return req.redirect(to: "/admin/agents", notice: .agentSaved)
        } catch let error as RapportError where error.isFormProblem {
            return try await render(
                req, form: InviteForm(role: AgentRole.agent.rawValue), error: FormErrorWording.sentence(error),
                status: .unprocessableEntity)
        }
    }

    /// `GET /admin/agents/:id/deactivate` — what becomes of the agent's open tickets.
    func confirmDeactivation(req: Request) async throws -> Response {
        let id = try req.idParameter("id", naming: "Agent")
        let agent = try await Agent.find(id, orNotFound: "Agent", on: req.db)
        return try await renderDeactivation(
            req, agent: agent, open: try await Self.openTickets(of: id, on: req.db), error: nil)
    }

    static func openTickets(of agentID: Int, on db: any Database) async throws -> [Int] {
        try await Ticket.query(on: db).filter(\.$assigneeID == agentID).filter(\.$status ~~ [.new, .open, .pending])
            .sort(\.$id).all(\.$id)
    }

    /// Gives each ticket to `agentID` (nil: unassigned), each as its own change in the trail.
    static func hand(
        _ tickets: [Int], to agentID: Int?, by actor: ActingParty, using service: TicketService, on db: any Database
    ) async throws {
        var change = TicketUpdate()
        change.assigneeID = .set(agentID)
        for ticket in tickets { try await service.update(ticketID: ticket, with: change, by: actor, on: db) }
    }

    struct DeactivationContext: Encodable, Sendable {
        let page: PageChrome
        let agentID: Int
        let name: String
        let openCount: Int
        let hasOpen: Bool
        let assigneeOptions: [SelectOption]
        let error: String?
        let role: String
    }

    private func renderDeactivation(_ req: Request, agent: Agent, open: [Int], error: String?) async throws -> Response
    {
        let directory = try await req.rapport.configuration.current(on: req.db).directory
        let id = try agent.requireID
        let context = DeactivationContext(
            page: try req.chrome(title: "Agents", section: "admin"), agentID: id, name: agent.name,
            openCount: open.count, hasOpen: !open.isEmpty,
            assigneeOptions: [SelectOption(value: "", label: "Choose an agent…", selected: true)]
                + directory.agents.filter { $0.isActive && $0.id != id }.map {
                    SelectOption(value: String($0.id), label: $0.name, selected: false)
                },
            error: error, role: agent.role.rawValue
        )
        return try await req.page("admin-agent-deactivate", context, status: error == nil ? .ok : .unprocessableEntity)
    }

    private func render(
        _ req: Request, form: InviteForm, error: String? = nil, handOver: HandOver? = nil, notice: PageNotice? = nil,
        status: HTTPStatus = .ok
    ) async throws -> Response {
        let me = try req.agent.id
        let agents = try await AgentDTO.load(on: req.db)
        let pending = Set(
            try await AgentInvitation.query(on: req.db).filter(\.$purpose == .invitation).filter(\.$usedAt == nil)
                .filter(\.$expiresAt > req.rapport.clock.now()).all(\.$agentID))
        let context = Context(
            page: try req.chrome(title: "Agents", section: "admin", notice: notice),
            rows: agents.map { agent in
                Row(
                    id: agent.id, name: agent.name, email: agent.email,
                    roleOptions: AgentRole.allCases.map {
                        SelectOption(
                            value: $0.rawValue, label: $0.rawValue.capitalizedFirst, selected: $0 == agent.role)
                    },
                    scopeOptions: Self.scopeOptions(selected: agent.ticketAccess),
                    isActive: agent.isActive, isSelf: agent.id == me,
                    teams: agent.teams.map(\.name).joined(separator: ", "),
                    invitationPending: pending.contains(agent.id))
            },
            error: error, form: form,
            roleOptions: AgentRole.allCases.map {
                SelectOption(
                    value: $0.rawValue, label: $0.rawValue.capitalizedFirst, selected: $0.rawValue == form.role)
            },
            scopeOptions: Self.scopeOptions(selected: form.ticketAccess.flatMap(TicketScope.init(rawValue:)) ?? .all),
            handOver: handOver
        )
        return try await req.page("admin-agents", context, status: status)
    }

    private static func scopeOptions(selected: TicketScope) -> [SelectOption] {
        TicketScope.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == selected) }
    }
}
