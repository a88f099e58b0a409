import FluentKit
import RapportCore

/// Agents, teams and who is in which, for the pickers and names on workspace pages and the
/// checks of a ticket write. The tables are small (a desk has tens of agents, not thousands):
/// the configuration cache holds them whole (`ConfigurationCache`), and pages read them from
/// there.
struct StaffDirectory: Sendable {
    struct Person: Sendable {
        let id: Int
        let name: String
        let isActive: Bool
        /// What the composer offers to end a reply with.
        let signature: String
        let role: AgentRole
        let ticketScope: TicketScope
    }

    let agents: [Person]
    let teams: [(id: Int, name: String)]
    /// Each agent's teams, by id, in ascending order.
    let teamsOfAgent: [Int: [Int]]

    static func load(on database: any Database) async throws -> StaffDirectory {
        let agents = try await Agent.query(on: database).sort(\.$name).all()
        let teams = try await Team.query(on: database).sort(\.$name).all()
        let memberships = try await TeamMembership.query(on: database).all()
        return StaffDirectory(
            agents: agents.compactMap { agent in
                agent.id.map {
                    Person(
                        id: $0, name: agent.name, isActive: agent.isActive, signature: agent.signature,
                        role: agent.role, ticketScope: agent.ticketScope)
                }
            },
            teams: teams.compactMap { team in team.id.map { ($0, team.name) } },
            teamsOfAgent: Dictionary(grouping: memberships, by: \.agentID).mapValues { $0.map(\.teamID).sorted() }
        )
    }

    func teamIDs(ofAgent agentID: Int) -> [Int] { teamsOfAgent[agentID] ?? [] }

    /// Which tickets the agent may see; nobody's access when the agent is unknown or inactive
    /// (an empty team list and no assignment match nothing).
    func access(ofAgent agentID: Int) -> TicketAccess {
        guard let person = agents.first(where: { $0.id == agentID }), person.isActive else {
            return TicketAccess(agentID: agentID, teamIDs: [])
        }
        return TicketAccess(
            agentID: agentID, role: person.role, scope: person.ticketScope, teams: teamIDs(ofAgent: agentID))
    }

    func agentName(_ id: Int?) -> String? { id.flatMap { id in agents.first { $0.id == id }?.name } }
    func teamName(_ id: Int?) -> String? { id.flatMap { id in teams.first { $0.id == id }?.name } }

    /// Active agents to assign to, with "Unassigned" first.
    func assigneeOptions(selected: Int?, includeNoChange: Bool = false) -> [SelectOption] {
        var options: [SelectOption] = []
        if includeNoChange { options.append(SelectOption(value: "", label: "Assignee: no change", selected: true)) }
        options.append(SelectOption(value: "none", label: "Unassigned", selected: !includeNoChange && selected == nil))
        for agent in agents where agent.isActive || agent.id == selected {
            options.append(SelectOption(value: String(agent.id), label: agent.name, selected: agent.id == selected))
        }
        return options
    }

    func teamOptions(selected: Int?, noneLabel: String = "No team") -> [SelectOption] {
        [SelectOption(value: "none", label: noneLabel, selected: selected == nil)]
            + teams.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == selected) }
    }
}

/// Status and priority names as agents read them.
extension TicketStatus {
    var label: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

extension TicketPriority {
    var label: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
}

extension TicketChannel {
    var label: String {
        switch self {
        case .email: "Email"
        case .web: "Web form"
        case .chat: "Chat"
        case .phone: "Phone"
        case .api: "API"
        }
    }
}

extension TicketStatus: LabelledChoice {}
extension TicketPriority: LabelledChoice {}
extension TicketChannel: LabelledChoice {}
